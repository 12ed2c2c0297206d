"""Catalogue API: reads, partner writes with the importers' validation, ELM JSON-LD, CSV/XLSX exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from battery_region.accounts.services import api_token_create
from battery_region.catalogue.models import Offering, Programme
from battery_region.core.models import AuditEntry
from tests.catalogue.factories import OfferingFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


def bearer(client) -> dict[str, str]:
    _token, raw = api_token_create(user=client.user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_programme_list_and_detail_give_translated_text_and_credit_equivalence(anonymous):
    programme = ProgrammeFactory(credits_value=400, credits_system="se_yhp")
    ProgrammeFactory(published=False)
    data = anonymous.get("/api/v1/programmes").json()
    assert data["count"] == 1
    item = data["items"][0]
    assert set(item["title"]) == {"fi", "sv", "en"}
    assert item["credits"]["full_time_years"] == "2.0" and item["credits"]["ects"] == "120.0"
    assert anonymous.get(f"/api/v1/programmes/{programme.pk}").json()["id"] == programme.pk
    missing = anonymous.get("/api/v1/programmes/999999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_offering_detail_and_incremental_sync(anonymous):
    offering = OfferingFactory()
    detail = anonymous.get(f"/api/v1/offerings/{offering.pk}").json()
    assert detail["programme"]["id"] == offering.programme_id
    assert detail["teaching_languages"] == ["fi"]
    changed = anonymous.get("/api/v1/offerings", {"modified_since": "2000-01-01T00:00:00Z"}).json()
    assert [i["id"] for i in changed["items"]] == [offering.pk]
    none = anonymous.get("/api/v1/offerings", {"modified_since": "2999-01-01T00:00:00Z"}).json()
    assert none["items"] == [] and none["count"] == 0


def test_offering_as_elm_jsonld_expands_offline():
    from pyld import jsonld

    offering = OfferingFactory(teaching_languages="fi,en", mode="presential")
    offering.programme.isced_fields.create(code="0711")
    from django.test import Client

    response = Client().get(f"/api/v1/offerings/{offering.pk}/elm")
    assert response["Content-Type"].startswith("application/ld+json")
    document = json.loads(response.content)
    expanded = jsonld.expand(document)  # the context is embedded: no network needed
    [node] = expanded
    assert node["@type"] == ["http://data.europa.eu/snb/model/elm/LearningOpportunity"]
    spec = node["http://data.europa.eu/snb/model/elm/learningAchievementSpecification"][0]
    assert spec["http://data.europa.eu/snb/model/elm/EQFLevel"][0]["@id"] == "http://data.europa.eu/snb/eqf/4"
    credit = spec["http://data.europa.eu/snb/model/elm/creditPoint"][0]
    framework = credit["http://data.europa.eu/snb/model/elm/framework"][0]["@id"]
    assert framework.endswith("60b314e826")  # osaamispisteet go out as ECVET, never as ECTS


def test_partner_upserts_a_programme_and_offering_with_a_token(editor_a, org_a):
    headers = bearer(editor_a)
    body = {
        "external_id": "BAT-1",
        "provider_id": org_a.pk,
        "title": {"fi": "Akkuasentaja", "en": "Battery fitter"},
        "eqf_level": 4,
        "isced_fields": ["0713"],
        "credits_value": "30",
        "credits_system": "fi_osp",
    }
    response = editor_a.post("/api/v1/programmes", json.dumps(body), content_type="application/json", **headers)
    assert response.status_code == 200, response.content
    programme = Programme.objects.get(source="api")
    assert programme.provider == org_a and programme.title_en == "Battery fitter"

    again = editor_a.post("/api/v1/programmes", json.dumps(body), content_type="application/json", **headers)
    assert again.status_code == 200 and Programme.objects.count() == 1

    offering_body = {"external_id": "BAT-1-2027", "programme_id": programme.pk, "start_precision": "individual"}
    created = editor_a.post("/api/v1/offerings", json.dumps(offering_body), content_type="application/json", **headers)
    assert created.status_code == 200, created.content
    assert Offering.objects.get().country == "FI"
    assert AuditEntry.objects.filter(action="import").exists()


def test_partner_writes_are_refused_for_outsiders_and_without_token(editor_a, editor_b, org_a):
    body = {"external_id": "X", "provider_id": org_a.pk, "title": {"fi": "Ei"}}
    outsider = editor_b.post(
        "/api/v1/programmes", json.dumps(body), content_type="application/json", **bearer(editor_b)
    )
    assert outsider.status_code == 403
    anonymous = editor_b.post("/api/v1/programmes", json.dumps(body), content_type="application/json")
    assert anonymous.status_code == 401
    programme = ProgrammeFactory(provider=org_a)
    delete = editor_b.delete(f"/api/v1/programmes/{programme.pk}", **bearer(editor_b))
    assert delete.status_code == 403
    assert Programme.objects.count() == 1


def test_partner_write_validation_names_the_field(editor_a, org_a):
    body = {"external_id": "X", "provider_id": org_a.pk, "title": {"fi": "Nimi"}, "eqf_level": 9}
    response = editor_a.post(
        "/api/v1/programmes", json.dumps(body), content_type="application/json", **bearer(editor_a)
    )
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["eqf_level"]
    assert Programme.objects.count() == 0


def test_csv_and_xlsx_exports_follow_the_filters(anonymous):
    fi = OfferingFactory(country="FI")
    se = OfferingFactory(country="SE", programme__provider__country="SE", region="SE331")
    fi.programme.title_en = "=HYPERLINK(evil)"
    fi.programme.save()
    response = anonymous.get("/en/catalogue/export.csv", {"country": "FI"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "offering_id" and rows[1][0] == "Offering id"
    ids = [int(r[0]) for r in rows[2:]]
    assert ids == [fi.pk] and se.pk not in ids
    assert rows[2][4].startswith("'=")  # formula neutralised

    xlsx = anonymous.get("/en/catalogue/export.xlsx", {"country": "SE"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert values == [se.pk]
