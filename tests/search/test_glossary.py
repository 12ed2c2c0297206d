"""The glossary: packaged content, admin editing, label sources (ESCO hook), cache refresh."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from battery_region.catalogue.filters import CatalogueFilters
from battery_region.search import glossary
from battery_region.search.glossary import read_glossary_file, register_label_source, unregister_label_source
from battery_region.search.indexing import index_offerings
from battery_region.search.models import GlossaryConcept, GlossaryTerm
from battery_region.search.service import search_catalogue
from tests.search.factories import offering

pytestmark = pytest.mark.django_db


def found(q: str, language: str = "fi") -> list[int]:
    page = search_catalogue(q=q, language=language, filters=CatalogueFilters())
    return [hit.offering_id for hit in page.items]


def test_packaged_glossary_covers_the_value_chain() -> None:
    concepts = read_glossary_file()
    assert len(concepts) >= 80
    keys = {c["key"] for c in concepts}
    for key in (
        "cell-manufacturing",
        "coating",
        "calendering",
        "formation",
        "electrolyte-filling",
        "dry-room",
        "black-mass",
        "hydrometallurgy",
        "bms",
        "module-pack-assembly",
        "process-operator",
        "electrician",
        "maintenance",
        "automation",
        "cathode-active-material",
        "anode-active-material",
        "battery-recycling",
        "occupational-safety",
        "lithium",
        "refining",
    ):
        assert key in keys
    for concept in concepts:
        assert concept["fi"] and concept["sv"] and concept["en"], concept["key"]


def test_load_glossary_is_idempotent_and_keeps_admin_edits(tmp_path: Path) -> None:
    out = []
    call_command("load_glossary", stdout=type("W", (), {"write": lambda self, s: out.append(s)})())
    concepts, terms = GlossaryConcept.objects.count(), GlossaryTerm.objects.count()
    assert concepts >= 80 and terms > concepts * 3
    extra = GlossaryTerm.objects.create(
        concept=GlossaryConcept.objects.get(key="black-mass"), language="fi", term="akkumurske", is_synonym=True
    )
    call_command("load_glossary", stdout=type("W", (), {"write": lambda self, s: None})())
    assert GlossaryConcept.objects.count() == concepts
    assert GlossaryTerm.objects.filter(pk=extra.pk).exists()
    call_command("load_glossary", "--replace", stdout=type("W", (), {"write": lambda self, s: None})())
    assert not GlossaryTerm.objects.filter(pk=extra.pk).exists()
    assert GlossaryTerm.objects.count() == terms


def test_load_glossary_from_another_file(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_text(json.dumps({"concepts": [{"key": "x", "fi": ["vety"], "sv": ["vätgas"], "en": ["hydrogen"]}]}))
    glossary.load_glossary(path)
    assert GlossaryTerm.objects.filter(concept__key="x").count() == 3


def test_admin_edit_takes_effect_at_once(admin: Any) -> None:
    fi = offering(title="Vetytalouden perusteet")
    index_offerings([fi.pk])
    assert found("vätgas", "sv") == []
    response = admin.post(
        reverse("admin:search_glossaryconcept_add"),
        {
            "key": "hydrogen-test",
            "area": "use",
            "note": "",
            "is_active": "on",
            "terms-TOTAL_FORMS": "2",
            "terms-INITIAL_FORMS": "0",
            "terms-MIN_NUM_FORMS": "0",
            "terms-MAX_NUM_FORMS": "1000",
            "terms-0-language": "fi",
            "terms-0-term": "vetytalous",
            "terms-1-language": "sv",
            "terms-1-term": "vätgas",
        },
    )
    assert response.status_code == 302, response.content[:500]
    assert found("vätgas", "sv") == [fi.pk]


def test_inactive_concepts_do_not_expand(glossary_loaded: None) -> None:
    sv = offering(title="Svartmassa och återvinning", language="sv")
    index_offerings([sv.pk])
    assert found("mustamassa") == [sv.pk]
    concept = GlossaryConcept.objects.get(key="black-mass")
    concept.is_active = False
    concept.save()
    glossary.invalidate()  # what the admin does after a save
    assert found("mustamassa") == []


def test_registered_label_source_bridges_languages() -> None:
    en = offering(title="Forklift operation course", language="en")
    index_offerings([en.pk])

    def esco_like() -> list[dict[str, list[str]]]:
        return [{"fi": ["trukinkuljettaja", "trukkikuski"], "sv": ["truckförare"], "en": ["forklift operation"]}]

    register_label_source(esco_like)
    try:
        assert found("trukkikuski") == [en.pk]
    finally:
        unregister_label_source(esco_like)
    assert found("trukkikuski") == []


def test_a_failing_label_source_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> list[dict[str, list[str]]]:
        raise RuntimeError("pack missing")

    register_label_source(broken)
    try:
        assert found("akku") == []
        assert "label source" in caplog.text
    finally:
        unregister_label_source(broken)


def test_esco_labels_are_read_when_the_skills_app_has_them() -> None:
    model = glossary._esco_model()
    if model is None:
        pytest.skip("the skills app has no migrated EscoConcept table with fi/sv/en labels")
    model.objects.create(
        uri="http://data.europa.eu/esco/occupation/test-search",
        kind="occupation",
        preferred_label_en="battery assembler",
        preferred_label_fi="akkujen kokoaja",
        preferred_label_sv="batterimontör",
        alt_labels_fi="akkuasentaja",
    )
    sv = offering(title="Batterimontör", language="sv")
    index_offerings([sv.pk])
    glossary.invalidate()
    assert sv.pk in found("akkuasentaja")


def test_admin_pages_show_fallback_notice(admin: Any, without_voikko: None) -> None:
    response = admin.get(reverse("admin:search_glossaryconcept_changelist"))
    assert response.status_code == 200
    assert "Voikko" in response.content.decode()
    response = admin.get(reverse("admin:search_searchdocument_changelist"))
    assert response.status_code == 200


def test_system_check_is_quiet_when_engines_are_installed() -> None:
    from battery_region.search import analysis
    from battery_region.search.checks import search_analysis_engines

    expected = set()
    if not analysis.analysis_status()["voikko"]:
        expected.add("search.W001")
    if not analysis.analysis_status()["swedish_dictionary"]:
        expected.add("search.W002")
    assert {m.id for m in search_analysis_engines()} == expected
