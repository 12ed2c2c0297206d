"""The security baseline: password hashing, login throttling, headers, CSRF, cookies, admin access."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher, make_password
from django.test import Client

from battery_region.accounts.models import User
from tests.factories import TEST_PASSWORD, UserFactory
from tests.organisations.helpers import organisation_form_data

pytestmark = pytest.mark.django_db

LOGIN_URL = "/en/accounts/login/"
LOCKED_OUT = "Too many failed log-in attempts"


def _login(client: Client, email: str, password: str):
    return client.post(LOGIN_URL, {"username": email, "password": password})


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- Passwords ------------------------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2():
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    user = User.objects.create_user(email="hash@example.org", password=TEST_PASSWORD)
    assert user.password.startswith("argon2$")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert not Argon2PasswordHasher().must_update(user.password)  # Django's production parameters
    assert UserFactory().password.startswith("argon2$")


def test_older_hashes_are_upgraded_to_argon2_on_login():
    user = UserFactory(email="legacy@example.org")
    User.objects.filter(pk=user.pk).update(password=make_password(TEST_PASSWORD, hasher="pbkdf2_sha256"))
    client = Client()
    assert _login(client, "legacy@example.org", TEST_PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


# --- Login throttling -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("fast_password_hashing")
def test_five_wrong_passwords_lock_the_account_even_for_the_right_one():
    UserFactory(email="target@example.org")
    client = Client()
    for _attempt in range(5):
        response = _login(client, "target@example.org", "wrong-password")
        assert not _logged_in(client)
    assert response.status_code in (200, 429)

    response = _login(client, "target@example.org", TEST_PASSWORD)
    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()
    assert not _logged_in(client)


@pytest.mark.usefixtures("fast_password_hashing")
def test_four_wrong_passwords_do_not_lock():
    UserFactory(email="target@example.org")
    client = Client()
    for _attempt in range(4):
        _login(client, "target@example.org", "wrong-password")
    assert _login(client, "target@example.org", TEST_PASSWORD).status_code == 302
    assert _logged_in(client)


@pytest.mark.usefixtures("fast_password_hashing")
def test_changing_the_case_of_the_address_does_not_escape_the_lockout():
    UserFactory(email="target@example.org")
    client = Client()
    for spelling in ("target@example.org", "Target@example.org", "TARGET@example.org", "target@EXAMPLE.org"):
        _login(client, spelling, "wrong-password")
    _login(client, "tArget@example.org", "wrong-password")
    response = _login(client, "TARGET@EXAMPLE.ORG", TEST_PASSWORD)
    assert response.status_code == 429
    assert not _logged_in(client)


@pytest.mark.usefixtures("fast_password_hashing")
def test_lockout_of_one_address_does_not_lock_another():
    UserFactory(email="target@example.org")
    UserFactory(email="bystander@example.org")
    client = Client()
    for _attempt in range(5):
        _login(client, "target@example.org", "wrong-password")
    assert _login(client, "bystander@example.org", TEST_PASSWORD).status_code == 302
    assert _logged_in(client)


# --- Headers --------------------------------------------------------------------------------------------


def _directives(csp: str) -> dict[str, list[str]]:
    result = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            result[words[0]] = words[1:]
    return result


@pytest.mark.parametrize("url", ["/fi/", "/sv/organisations/", "/en/accounts/login/"])
def test_security_headers_on_normal_pages(anonymous, url):
    response = anonymous.get(url)
    assert response.status_code == 200
    csp = _directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in permissions


def test_pages_have_no_inline_scripts_or_foreign_assets(anonymous):
    body = anonymous.get("/en/").content.decode()
    for tag in re.findall(r"<script\b[^>]*>", body):
        assert re.search(r'src="/static/', tag), tag
    assert not re.search(r'<(?:script|link)\b[^>]*(?:src|href)="(?:https?:)?//', body)
    assert not re.search(r"<[^>]+\son[a-z]+=", body), "inline event handlers need 'unsafe-inline'"


# --- CSRF and cookies -----------------------------------------------------------------------------------


def test_post_without_csrf_token_is_refused(org_a, editor_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor_a.user)
    response = client.post("/fi/organisations/osao-test/edit/", organisation_form_data(org_a, name_fi="CSRF"))
    assert response.status_code == 403
    org_a.refresh_from_db()
    assert org_a.name_fi == "OSAO testi"


def test_post_with_csrf_token_is_accepted(org_a, editor_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor_a.user)
    client.get("/fi/organisations/osao-test/edit/")
    token = client.cookies["csrftoken"].value
    data = organisation_form_data(org_a, name_fi="Uusi", csrfmiddlewaretoken=token)
    assert client.post("/fi/organisations/osao-test/edit/", data).status_code == 302
    org_a.refresh_from_db()
    assert org_a.name_fi == "Uusi"


@pytest.mark.usefixtures("fast_password_hashing")
def test_session_cookie_is_http_only():
    UserFactory(email="cookie@example.org")
    client = Client()
    response = _login(client, "cookie@example.org", TEST_PASSWORD)
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


# --- The Django admin -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["student", "editor_a", "coordinator"])
def test_admin_index_is_not_shown_to_non_staff(request, persona):
    client = request.getfixturevalue(persona)
    response = client.get("/fi/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/fi/admin/login/")
    followed = client.get("/fi/admin/", follow=True)
    body = followed.content.decode()
    assert 'id="content-main"' in body  # the login page of the admin
    assert "/fi/admin/organisations/" not in body
    assert "/fi/admin/core/auditentry/" not in body


def test_admin_index_is_shown_to_the_platform_admin(admin):
    response = admin.get("/fi/admin/")
    assert response.status_code == 200
    assert "/fi/admin/organisations/organisation/" in response.content.decode()
