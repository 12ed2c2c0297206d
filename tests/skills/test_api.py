"""The skills API: roles, coverage, stages, ESCO skills and occupations; translated text; error format."""

from __future__ import annotations

import pytest
from django.utils import timezone

from battery_region.skills.importers.esco import import_esco
from battery_region.skills.models import EscoConcept, ProgrammeTag, Role
from tests.skills.conftest import BATTERY_CHEMISTRY, FIXTURES, make_offering, make_programme

pytestmark = pytest.mark.django_db


def test_stages_are_paginated_with_translated_names(client, roles):
    data = client.get("/api/v1/stages").json()
    assert data["count"] == 9
    first = data["items"][0]
    assert first["slug"] == "raw-materials"
    assert first["name"] == {"fi": "Raaka-aineet", "sv": "Råvaror", "en": "Raw materials"}
    assert set(first["description"]) == {"fi", "sv", "en"}


def test_roles_list_paginates_and_filters_by_stage(client, roles):
    data = client.get("/api/v1/roles?page_size=10").json()
    assert data["count"] == 44
    assert len(data["items"]) == 10
    role = data["items"][0]
    assert set(role["name"]) == {"fi", "sv", "en"}
    assert role["stage"]["slug"] == "raw-materials"
    assert role["source"]
    page_5 = client.get("/api/v1/roles?page_size=10&page=5").json()
    assert len(page_5["items"]) == 4
    recycling = client.get("/api/v1/roles?stage=recycling").json()
    assert {item["slug"] for item in recycling["items"]} == {
        "recycling-dismantling-operator",
        "hazardous-waste-technician",
        "circular-economy-specialist",
        "battery-recycling-operator",
    }


def test_role_detail_has_occupations_and_skills_by_uri(client, roles, esco):
    role = Role.objects.get(slug="electrode-coating-operator")
    data = client.get(f"/api/v1/roles/{role.pk}").json()
    assert data["is_local"] is True
    assert data["eqf_min"] == 3 and data["eqf_max"] == 4
    assert data["name"]["sv"] == "Operatör för blandning, beläggning och kalandrering av elektroder"
    assembler = next(o for o in data["occupations"] if o["uri"].endswith("718bba63-75b7-4b3a-9912-e201b729fe4c"))
    assert assembler["nearest"] is True and assembler["id"] is not None
    assert assembler["label"]["en"] == "battery assembler"
    chemistry = next(s for s in data["skills"] if s["uri"] == BATTERY_CHEMISTRY)
    assert chemistry["importance"] == "essential" and chemistry["id"] is not None
    not_imported = next(s for s in data["skills"] if s["id"] is None)
    assert not_imported["label"]["en"]  # the shipped English label until ESCO has the concept


def test_missing_role_uses_the_error_format(client, roles):
    response = client.get("/api/v1/roles/999999")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": []}}
    assert client.get("/api/v1/roles/999999/coverage").status_code == 404


def test_coverage_endpoint(client, roles, esco, org_a):
    role = Role.objects.get(slug="cell-production-operator")
    programme = make_programme(org_a)
    make_offering(programme, "FI1D9")
    ProgrammeTag.objects.create(
        programme=programme,
        skill=EscoConcept.objects.get(uri=BATTERY_CHEMISTRY),
        status="accepted",
        origin="manual",
        decided_at=timezone.now(),
    )
    both = client.get(f"/api/v1/roles/{role.pk}/coverage").json()
    assert both["regions"] == ["FI1D9", "SE331"]
    assert both["essential_skills"] == len(both["skills"]) == 6
    assert both["uncovered_count"] == 5
    chemistry = next(s for s in both["skills"] if s["uri"] == BATTERY_CHEMISTRY)
    assert chemistry["covered_in"] == ["FI1D9"] and chemistry["programme_count"] == 1
    assert chemistry["label"]["en"] == "battery chemistry"
    assert BATTERY_CHEMISTRY not in {s["uri"] for s in both["uncovered"]}

    sweden = client.get(f"/api/v1/roles/{role.pk}/coverage?region=SE331").json()
    assert sweden["regions"] == ["SE331"]
    assert BATTERY_CHEMISTRY in {s["uri"] for s in sweden["uncovered"]}
    assert client.get(f"/api/v1/roles/{role.pk}/coverage?region=fi1d9").json()["regions"] == ["FI1D9"]


def test_coverage_rejects_a_region_that_is_not_nuts3(client, roles):
    role = Role.objects.first()
    response = client.get(f"/api/v1/roles/{role.pk}/coverage?region=Oulu")
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "validation_error"
    assert body["fields"][0]["field"] == "region"


def test_skills_search_in_any_language(client, esco):
    data = client.get("/api/v1/skills?q=chem").json()
    labels = {item["label"]["en"] for item in data["items"]}
    assert labels == {"battery chemistry", "electrochemistry", "monitor chemical process condition"}
    item = next(i for i in data["items"] if i["label"]["en"] == "battery chemistry")
    assert item["uri"] == BATTERY_CHEMISTRY
    assert item["alt_labels"]["en"] == ["chemistry of batteries", "battery chemistries"]
    assert item["skill_type"] == "knowledge"
    assert client.get("/api/v1/skills").json()["count"] == 7

    import_esco(FIXTURES / "pack-fi")
    found = client.get("/api/v1/skills?q=AKKUKEMIA").json()["items"]
    assert [i["label"]["fi"] for i in found] == ["akkukemia"]


def test_occupations_search(client, esco):
    data = client.get("/api/v1/occupations?q=battery").json()
    assert data["count"] == 2
    assert {i["isco_code"] for i in data["items"]} == {"8212", "7543"}
    assert client.get("/api/v1/occupations?q=battery+test").json()["count"] == 1


def test_openapi_schema_lists_the_skills_paths(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/roles",
        "/api/v1/roles/{role_id}",
        "/api/v1/roles/{role_id}/coverage",
        "/api/v1/skills",
        "/api/v1/occupations",
        "/api/v1/stages",
    ):
        assert path in paths
