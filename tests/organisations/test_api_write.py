"""Writing organisations through the API with bearer tokens."""

from __future__ import annotations

import json

import pytest

from battery_region.accounts.services import api_token_create
from battery_region.core.models import AuditEntry
from battery_region.organisations.models import Organisation
from tests.organisations.helpers import entries_for_model

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def _token_for(client) -> str:
    _token, raw = api_token_create(user=client.user, name="partner system")
    AuditEntry.objects.all().delete()  # token creation is audited; keep the assertions about the PATCH
    return raw


def _patch(client, org, payload, token: str | None = None, **headers):
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.patch(
        f"/api/v1/organisations/{org.pk}", data=json.dumps(payload), content_type="application/json", **headers
    )


def _unchanged(org: Organisation) -> None:
    fresh = Organisation.objects.get(pk=org.pk)
    assert (fresh.name_fi, fresh.municipality_code, fresh.updated_at) == (
        org.name_fi,
        org.municipality_code,
        org.updated_at,
    )
    assert not entries_for_model(Organisation).exists()


@pytest.mark.parametrize("persona", ["editor_a", "org_admin_a", "admin"])
def test_editor_token_updates_the_organisation(request, anonymous, persona, org_a):
    client = request.getfixturevalue(persona)
    token = _token_for(client)
    response = _patch(anonymous, org_a, {"name": {"fi": "OSAO API-nimi"}, "website": "https://osao.example"}, token)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["name"] == {"fi": "OSAO API-nimi", "sv": "OSAO test", "en": "OSAO test"}
    assert data["website"] == "https://osao.example"

    org_a.refresh_from_db()
    assert org_a.name_fi == "OSAO API-nimi"
    assert org_a.name_sv == "OSAO test"  # languages not sent stay as they were
    entry = entries_for_model(Organisation).get()
    assert entry.actor == client.user
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.changes["name_fi"] == ["OSAO testi", "OSAO API-nimi"]
    assert entry.changes["website"] == ["", "https://osao.example"]


@pytest.mark.parametrize("persona", ["editor_b", "student", "coordinator", "viewer_a"])
def test_outsider_token_is_refused(request, anonymous, persona, org_a):
    token = _token_for(request.getfixturevalue(persona))
    response = _patch(anonymous, org_a, {"name": {"fi": "Hijacked"}}, token)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    _unchanged(org_a)


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer br_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "br_missing-scheme"],
)
def test_missing_or_invalid_token_is_401(anonymous, org_a, authorization):
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    response = _patch(anonymous, org_a, {"name": {"fi": "Hijacked"}}, **headers)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "unauthorised"
    assert set(error) == {"code", "message", "fields"}
    _unchanged(org_a)


def test_session_login_alone_does_not_authorise_api_writes(editor_a, org_a):
    response = _patch(editor_a, org_a, {"name": {"fi": "Via session"}})
    assert response.status_code == 401
    _unchanged(org_a)


def test_token_of_inactive_user_is_refused(anonymous, editor_a, org_a):
    token = _token_for(editor_a)
    editor_a.user.is_active = False
    editor_a.user.save()
    assert _patch(anonymous, org_a, {"name": {"fi": "Hijacked"}}, token).status_code == 401
    _unchanged(org_a)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"municipality_code": "nonsense"}, "municipality_code"),
        ({"municipality_code": "SE-kommun:2482"}, "municipality_code"),
        ({"region": "SE331"}, "region"),
        ({"website": "not a url"}, "website"),
        ({"name": {"fi": ""}}, "name_fi"),
        ({"name": "not an object"}, "name"),
        ({"name": {"de": "Neuer Name"}}, "name.de"),
        ({"region": 42}, "region"),
    ],
)
def test_bad_values_are_422_naming_the_field(anonymous, editor_a, org_a, payload, field):
    token = _token_for(editor_a)
    response = _patch(anonymous, org_a, payload, token)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in {f["field"] for f in error["fields"]}
    assert all(f["message"] for f in error["fields"])
    _unchanged(org_a)


def test_fields_outside_the_schema_cannot_be_written(anonymous, editor_a, org_a):
    token = _token_for(editor_a)
    response = _patch(anonymous, org_a, {"country": "SE", "slug": "stolen", "name": {"fi": "Uusi"}}, token)
    assert response.status_code == 200
    org_a.refresh_from_db()
    assert (org_a.country, org_a.slug, org_a.name_fi) == ("FI", "osao-test", "Uusi")


def test_patch_unknown_organisation_is_404(anonymous, editor_a, org_a):
    token = _token_for(editor_a)
    response = anonymous.patch(
        f"/api/v1/organisations/{org_a.pk + 1000}",
        data=json.dumps({"name": {"fi": "x"}}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_token_use_is_recorded(anonymous, editor_a, org_a):
    token = _token_for(editor_a)
    stored = editor_a.user.api_tokens.get()
    assert stored.last_used_at is None
    assert token not in {stored.key_hash, stored.prefix}  # only a hash and a short prefix are stored
    _patch(anonymous, org_a, {"website": "https://osao.example"}, token)
    stored.refresh_from_db()
    assert stored.last_used_at is not None
