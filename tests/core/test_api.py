"""The public read API under /api/v1/: shapes, filters, pagination, errors, OpenAPI and its docs page."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone
from openapi_spec_validator import validate

from battery_region.organisations.models import Organisation
from tests.factories import ContactPointFactory, OrganisationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def _ids(response) -> set[int]:
    return {item["id"] for item in response.json()["items"]}


def test_list_shape_with_translated_names(anonymous, org_a, org_b):
    response = anonymous.get("/api/v1/organisations")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert set(data) == {"items", "count"}
    assert data["count"] == 2
    by_slug = {item["slug"]: item for item in data["items"]}
    assert by_slug["osao-test"]["name"] == {"fi": "OSAO testi", "sv": "OSAO test", "en": "OSAO test"}
    assert by_slug["skelleftea-test"]["country"] == "SE"
    assert by_slug["skelleftea-test"]["municipality_code"] == "SE-kommun:2482"
    assert set(by_slug["osao-test"]["description"]) == {"fi", "sv", "en"}
    assert "contact_points" not in by_slug["osao-test"]


def test_empty_translations_are_empty_strings_not_missing(anonymous):
    OrganisationFactory(slug="only-fi", name_fi="Vain suomeksi", name_sv="", name_en="")
    item = anonymous.get("/api/v1/organisations").json()["items"][0]
    assert item["name"] == {"fi": "Vain suomeksi", "sv": "", "en": ""}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=SE", {"b"}),
        ("country=FI", {"a", "uni"}),
        ("kind=university", {"uni"}),
        ("kind=municipality", {"b"}),
        ("region=FI1D7", {"uni"}),
        ("q=skellefte", {"b"}),
        ("q=OSAO", {"a"}),
        ("country=FI&kind=education_provider", {"a"}),
        ("country=NO", set()),
    ],
)
def test_list_filters(anonymous, org_a, org_b, query, expected):
    uni = OrganisationFactory(kind=Organisation.Kind.UNIVERSITY, country="FI", region="FI1D7")
    ids = {"a": org_a.pk, "b": org_b.pk, "uni": uni.pk}
    response = anonymous.get(f"/api/v1/organisations?{query}")
    assert response.status_code == 200
    assert _ids(response) == {ids[key] for key in expected}
    assert response.json()["count"] == len(expected)


def test_pagination(anonymous):
    OrganisationFactory.create_batch(7)
    all_ids = [item["id"] for item in anonymous.get("/api/v1/organisations?page_size=100").json()["items"]]
    assert len(all_ids) == 7

    pages = [anonymous.get(f"/api/v1/organisations?page={n}&page_size=3").json() for n in (1, 2, 3, 4)]
    assert [len(p["items"]) for p in pages] == [3, 3, 1, 0]
    assert all(p["count"] == 7 for p in pages)
    assert [item["id"] for p in pages for item in p["items"]] == all_ids


def test_bad_pagination_is_a_validation_error(anonymous):
    response = anonymous.get("/api/v1/organisations?page=0")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert any("page" in f["field"] for f in error["fields"])


def test_detail_includes_only_public_contact_points(anonymous, org_a):
    ContactPointFactory(organisation=org_a, name="Paula Public", title_en="Head of training")
    ContactPointFactory(organisation=org_a, name="Nora Noconsent", consent_given=False, consent_date=None)
    ContactPointFactory(organisation=org_a, name="Wilma Withdrawn", consent_withdrawn_at=timezone.now())
    response = anonymous.get(f"/api/v1/organisations/{org_a.pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == org_a.pk
    assert data["name"]["fi"] == "OSAO testi"
    assert [c["name"] for c in data["contact_points"]] == ["Paula Public"]
    assert data["contact_points"][0]["title"] == {"fi": "", "sv": "", "en": "Head of training"}
    assert "Nora" not in response.content.decode()
    assert "Wilma" not in response.content.decode()


def test_unknown_organisation_is_404_in_the_error_format(anonymous, org_a):
    response = anonymous.get(f"/api/v1/organisations/{org_a.pk + 1000}")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": []}}


def test_openapi_document_is_valid(anonymous):
    response = anonymous.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)  # raises on an invalid OpenAPI document
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/organisations" in schema["paths"]
    assert "patch" in schema["paths"]["/api/v1/organisations/{organisation_id}"]


CDN_HOSTS = ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com", "googleapis.com", "fastly")


def test_docs_page_uses_only_local_static_files(anonymous):
    response = anonymous.get("/api/v1/docs")
    assert response.status_code == 200
    body = response.content.decode()
    sources = re.findall(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"', body)
    assert any(src.endswith(".js") for src in sources)
    for src in sources:
        assert not src.startswith(("http://", "https://", "//")), src
        assert src.startswith("/static/"), src
        assert finders.find(src.removeprefix("/static/")), f"{src} is not a collected static file"
    for host in CDN_HOSTS:
        assert host not in body
    # Swagger UI must run under the site's CSP: no inline executable script.
    csp = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'unsafe-inline'" not in script_src
    for tag in re.findall(r"<script\b[^>]*>", body):
        assert "src=" in tag or 'type="application/json"' in tag, tag
