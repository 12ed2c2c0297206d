"""The profile page: name, API tokens, personal-data export and erasure."""

from __future__ import annotations

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from battery_region.accounts.models import ApiToken, User
from battery_region.accounts.services import api_token_authenticate
from battery_region.core.models import AuditEntry
from battery_region.organisations import services as organisation_services
from battery_region.organisations.models import Membership
from tests.factories import TEST_PASSWORD, MembershipFactory, OrganisationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

PROFILE = "/en/accounts/profile/"


def _user_entries(user: User):
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk))


def test_profile_lists_memberships_with_edit_links(editor_a, org_a):
    body = editor_a.get(PROFILE).content.decode()
    assert "editor.a@example.org" in body
    assert "OSAO test" in body
    assert 'href="/en/organisations/osao-test/edit/"' in body


def test_viewer_membership_has_no_edit_link(viewer_a):
    body = viewer_a.get(PROFILE).content.decode()
    assert "OSAO test" in body
    assert "/organisations/osao-test/edit/" not in body


def test_update_full_name_is_saved_and_audited(student):
    response = student.post(PROFILE, {"full_name": "Saga Svensson", "preferred_language": "sv"}, follow=True)
    assert "Your profile was saved." in response.content.decode()
    user = User.objects.get(pk=student.user.pk)
    assert (user.full_name, user.preferred_language) == ("Saga Svensson", "sv")
    entry = _user_entries(user).get()
    assert entry.actor == user
    assert entry.action == "update"
    assert entry.changes["full_name"][1] == "Saga Svensson"
    assert entry.changes["preferred_language"] == ["fi", "sv"]


def test_profile_form_cannot_raise_privileges(student):
    student.post(
        PROFILE,
        {"full_name": "Sneaky", "preferred_language": "fi", "is_staff": "on", "is_superuser": "on", "email": "x@y.z"},
    )
    user = User.objects.get(pk=student.user.pk)
    assert user.full_name == "Sneaky"
    assert (user.is_staff, user.is_superuser, user.email) == (False, False, "student@example.org")


def test_invalid_language_reshows_the_form(student):
    response = student.post(PROFILE, {"full_name": "X", "preferred_language": "de"})
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    assert not _user_entries(student.user).exists()


def test_api_token_is_shown_once_and_can_be_revoked(student):
    response = student.post("/en/accounts/profile/tokens/", {"name": "integration"}, follow=True)
    body = response.content.decode()
    assert "Copy the token now" in body
    token = ApiToken.objects.get(user=student.user)
    raw = body.split('<p class="token">', 1)[1].split("</p>", 1)[0]
    assert raw.startswith("br_") and raw.startswith(token.prefix)
    assert api_token_authenticate(raw) == student.user

    again = student.get(PROFILE).content.decode()
    assert raw not in again  # shown once
    assert "integration" in again
    assert token.prefix in again

    response = student.post(f"/en/accounts/profile/tokens/{token.pk}/revoke/", follow=True)
    assert "The token was revoked." in response.content.decode()
    assert not ApiToken.objects.exists()
    assert api_token_authenticate(raw) is None


def test_token_needs_a_name(student):
    response = student.post("/en/accounts/profile/tokens/", {"name": ""}, follow=True)
    assert "Give the token a name." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_token_endpoints_need_post(student):
    assert student.get("/en/accounts/profile/tokens/").status_code == 405


def test_cannot_revoke_someone_elses_token(student, editor_a):
    editor_a.post("/en/accounts/profile/tokens/", {"name": "editor's"})
    token = ApiToken.objects.get()
    assert student.post(f"/en/accounts/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_personal_data_export(editor_a, org_a):
    editor_a.post("/en/accounts/profile/tokens/", {"name": "export test"})
    response = editor_a.get("/en/accounts/profile/personal-data/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["email"] == "editor.a@example.org"
    assert data["memberships"] == [{"organisation": str(org_a), "role": "editor"}]
    assert [t["name"] for t in data["api_tokens"]] == ["export test"]
    assert "password" not in data


def test_personal_data_needs_login(anonymous):
    assert anonymous.get("/en/accounts/profile/personal-data/").status_code == 302


def _all_audit_text() -> str:
    rows = AuditEntry.objects.values_list("actor_label", "object_repr", "changes", "message")
    return json.dumps(list(rows), ensure_ascii=False).lower()


@pytest.fixture
def erasable(admin):
    """A user with a membership granted by an admin, a profile edit and a token: all leave audit rows."""
    user = User.objects.create_user(email="Erase.Me@Example.org", password=TEST_PASSWORD)
    org = OrganisationFactory(name_fi="Poistotesti", slug="erase-test")
    organisation_services.membership_set(actor=admin.user, organisation=org, user=user, role="editor")
    other = OrganisationFactory()
    MembershipFactory(user=user, organisation=other, role="viewer")
    client = Client()
    client.force_login(user)
    client.post(PROFILE, {"full_name": "", "preferred_language": "sv"})
    client.post("/en/accounts/profile/tokens/", {"name": "to be erased"})
    organisation_services.organisation_update(actor=user, organisation=org, data={"website": "https://x.example"})
    client.user = user
    return client


def test_erasure_with_the_right_password_removes_the_user_and_their_traces(erasable):
    user = erasable.user
    email = user.email
    assert email in _all_audit_text()  # the set-up really left the address in the trail
    audit_count = AuditEntry.objects.count()

    response = erasable.post("/en/accounts/profile/erase/", {"password": TEST_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/en/"
    assert "Your account and personal data were erased." in response.content.decode()
    assert "_auth_user_id" not in erasable.session

    assert not User.objects.filter(pk=user.pk).exists()
    assert not Membership.objects.filter(user_id=user.pk).exists()
    assert not ApiToken.objects.filter(user_id=user.pk).exists()
    assert AuditEntry.objects.count() == audit_count + 1  # the erasure itself is recorded
    assert email not in _all_audit_text()
    assert AuditEntry.objects.filter(actor_label=f"erased-user-{user.pk}").exists()


def test_erasure_removes_the_full_name_from_the_trail(admin):
    user = User.objects.create_user(email="named@example.org", password=TEST_PASSWORD, full_name="Zelda Zebra")
    organisation_services.membership_set(actor=admin.user, organisation=OrganisationFactory(), user=user, role="viewer")
    assert "zelda zebra" in _all_audit_text()
    client = Client()
    client.force_login(user)
    client.post("/en/accounts/profile/erase/", {"password": TEST_PASSWORD})
    assert not User.objects.filter(pk=user.pk).exists()
    assert "zelda zebra" not in _all_audit_text()
    assert "named@example.org" not in _all_audit_text()


def test_wrong_password_reshows_the_erase_form(erasable):
    response = erasable.post("/en/accounts/profile/erase/", {"password": "not-my-password"})
    assert response.status_code == 200
    assert "The password is not correct." in response.content.decode()
    assert User.objects.filter(pk=erasable.user.pk).exists()
    assert Membership.objects.filter(user=erasable.user).count() == 2


def test_erase_page_needs_login(anonymous):
    assert anonymous.post("/en/accounts/profile/erase/", {"password": "x"}).status_code == 302
