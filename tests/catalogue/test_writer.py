"""The import writer: validate first, write all or nothing, idempotent, audited."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection

from battery_region.catalogue.importers.records import (
    ApplicationWindowRecord,
    OfferingRecord,
    Problem,
    ProgrammeRecord,
    ProviderRecord,
)
from battery_region.catalogue.importers.writer import run_import
from battery_region.catalogue.models import ApplicationWindow, ImportRun, Offering, Programme
from battery_region.core.models import AuditEntry
from battery_region.organisations.models import Organisation

pytestmark = pytest.mark.django_db


def provider(source_id: str = "org-1") -> ProviderRecord:
    return ProviderRecord(
        "test", source_id, f"provider {source_id}", {"fi": "Testiopisto", "en": "Test college"}, country="FI"
    )


def programme(source_id: str = "p-1", **changes) -> ProgrammeRecord:
    record = ProgrammeRecord(
        "test",
        source_id,
        f"programme {source_id}",
        {"fi": "Akkukoulutus", "sv": "Batteriutbildning", "en": "Battery training"},
        provider_source_id="org-1",
        eqf_level=4,
        isced_fields=["0711"],
        credits_value=Decimal("180"),
        credits_system="fi_osp",
        raw={"oid": source_id, "nimi": {"fi": "Akkukoulutus"}},
    )
    for key, value in changes.items():
        setattr(record, key, value)
    return record


def offering(source_id: str = "o-1", programme_id: str = "p-1", **changes) -> OfferingRecord:
    record = OfferingRecord(
        "test",
        source_id,
        f"offering {source_id}",
        programme_source_id=programme_id,
        provider_source_id="",
        teaching_languages=["fi"],
        country="FI",
        region="FI1D9",
        municipality_code="FI-kunta:564",
        start_date=dt.date(2027, 8, 9),
        application_windows=[ApplicationWindowRecord(continuous=True)],
    )
    for key, value in changes.items():
        setattr(record, key, value)
    return record


def test_creates_then_reports_unchanged_on_reimport():
    items = [provider(), programme(), offering()]
    first = run_import(lambda: items)
    assert first.ok, first.problem_lines()
    assert first.counts["programme"]["created"] == 1
    assert first.counts["offering"]["created"] == 1
    created = Offering.objects.get(source="test", source_id="o-1")
    assert created.start_year == 2027 and created.start_season == "autumn"
    assert created.application_windows.count() == 1
    assert list(created.programme.isced_fields.values_list("code", flat=True)) == ["0711"]
    assert created.programme.raw_payload == {"oid": "p-1", "nimi": {"fi": "Akkukoulutus"}}

    second = run_import(lambda: items)
    assert second.ok
    assert second.counts["programme"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert second.counts["offering"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert Programme.objects.count() == 1 and Offering.objects.count() == 1 and ApplicationWindow.objects.count() == 1


def test_changed_record_is_updated_and_audited():
    run_import(lambda: [provider(), programme(), offering()])
    changed = programme(title={"fi": "Uusi nimi", "sv": "Batteriutbildning", "en": "Battery training"})
    report = run_import(lambda: [provider(), changed, offering()])
    assert report.counts["programme"]["updated"] == 1
    item = Programme.objects.get(source_id="p-1")
    assert item.title_fi == "Uusi nimi"
    entry = AuditEntry.objects.filter(object_id=str(item.pk), action="import").first()
    assert entry is not None
    assert entry.changes["title_fi"] == ["Akkukoulutus", "Uusi nimi"]


def test_one_bad_record_changes_nothing_and_names_record_and_field():
    items = [provider(), programme(), programme("p-2", eqf_level=12), offering()]
    report = run_import(lambda: items)
    assert not report.ok
    assert Programme.objects.count() == 0 and Offering.objects.count() == 0
    assert Organisation.objects.filter(source="test").count() == 0
    [line] = report.problem_lines()
    assert line["record"] == "programme p-2" and line["field"] == "eqf_level"
    assert "12" in line["message"]


def test_parser_problems_block_the_import():
    report = run_import(lambda: [provider(), programme(), Problem("line 3", "title_fi", "Broken %(x)s", {"x": "cell"})])
    assert not report.ok
    assert report.problem_lines() == [{"record": "line 3", "field": "title_fi", "message": "Broken cell"}]
    assert Programme.objects.count() == 0


def test_duplicate_ids_in_one_file():
    report = run_import(lambda: [provider(), programme(), programme()])
    assert [p.code for p in report.problems] == ["duplicate"]
    assert Programme.objects.count() == 0


def test_references_resolve_in_any_order_and_unknown_ones_are_reported():
    report = run_import(lambda: [offering(), programme(), provider()])
    assert report.ok, report.problem_lines()
    assert Offering.objects.get().programme.source_id == "p-1"

    bad = run_import(lambda: [offering("o-2", programme_id="missing")])
    assert not bad.ok
    assert bad.problems[0].field == "programme"


def test_dry_run_counts_but_writes_nothing():
    report = run_import(lambda: [provider(), programme(), offering()], dry_run=True)
    assert report.ok and report.counts["offering"]["created"] == 1
    assert Programme.objects.count() == 0 and ImportRun.objects.count() == 0


def test_an_import_run_and_one_summary_audit_entry_are_recorded():
    run_import(lambda: [provider(), programme(), offering()], label="import:test")
    run = ImportRun.objects.get()
    assert run.kind == "import:test" and run.report["counts"]["offering"]["created"] == 1
    assert AuditEntry.objects.filter(action="import", object_id=str(run.pk)).count() == 1


def test_uploads_are_limited_to_the_editors_organisations(org_a, org_b):
    record = programme(provider_source_id=org_b.slug)
    report = run_import(lambda: [record], permitted_organisations={org_a.pk})
    assert not report.ok
    assert report.problems[0].code == "permission"
    assert Programme.objects.count() == 0

    refused = run_import(lambda: [provider()], permitted_organisations={org_a.pk})
    assert not refused.ok and Organisation.objects.filter(source="test").count() == 0


def test_an_upload_cannot_overwrite_another_organisations_record(org_a, org_b):
    run_import(lambda: [programme("shared", provider_source_id=org_b.slug)])
    attempt = programme("shared", provider_source_id=org_a.slug, title={"fi": "Kaapattu"})
    report = run_import(lambda: [attempt], permitted_organisations={org_a.pk})
    assert not report.ok
    assert Programme.objects.get(source_id="shared").title_fi == "Akkukoulutus"


def test_a_programme_without_provider_takes_its_offerings_provider():
    orphan = programme(provider_source_id="")
    with_provider = offering(provider_source_id="org-1")
    report = run_import(lambda: [provider(), orphan, with_provider])
    assert report.ok, report.problem_lines()
    assert Programme.objects.get().provider.source_id == "org-1"
    assert run_import(lambda: [provider(), orphan, with_provider]).counts["programme"]["unchanged"] == 1

    lonely = run_import(lambda: [programme("p-9", provider_source_id="")])
    assert [p.field for p in lonely.problems] == ["provider"]


def test_payloads_are_stored_compressed_and_read_back_as_json():
    payload = {"oid": "p-1", "kuvaus": {"fi": "Akkukennojen valmistus. " * 200}, "luku": 12345678901234567890}
    record = programme(raw=payload)
    assert run_import(lambda: [provider(), record]).ok
    stored = Programme.objects.get(source="test", source_id="p-1")
    assert stored.raw_payload == payload  # integers beyond 64 bits survive too
    with connection.cursor() as cur:
        cur.execute("SELECT raw_payload FROM catalogue_programme WHERE id = %s", [stored.pk])
        raw = bytes(cur.fetchone()[0])
    assert raw.startswith(b"\x28\xb5\x2f\xfd")  # a Zstandard frame
    assert len(raw) < len(json.dumps(payload)) / 10
    stored.raw_payload = {"edited": True}  # saving through the ORM takes a plain JSON value
    stored.save(update_fields=["raw_payload"])
    assert Programme.objects.get(pk=stored.pk).raw_payload == {"edited": True}
    stored.raw_payload = None
    stored.save(update_fields=["raw_payload"])
    assert Programme.objects.get(pk=stored.pk).raw_payload is None
