"""Logging in with an e-mail address and logging out."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

LOGIN_URL = "/en/accounts/login/"


@pytest.fixture
def user():
    return UserFactory(email="maria.mentor@example.org", full_name="Maria Mentor")


def _session_user_id(client: Client):
    return client.session.get("_auth_user_id")


@pytest.mark.parametrize("typed", ["maria.mentor@example.org", "Maria.Mentor@Example.org", "MARIA.MENTOR@EXAMPLE.ORG"])
def test_login_with_email_in_any_case_goes_to_profile(user, typed):
    client = Client()
    response = client.post(LOGIN_URL, {"username": typed, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/profile/"
    assert _session_user_id(client) == str(user.pk)
    profile = client.get(response["Location"])
    assert profile.status_code == 200
    assert "maria.mentor@example.org" in profile.content.decode()


def test_login_page_renders_in_each_language(anonymous):
    for code in ("fi", "sv", "en"):
        response = anonymous.get(f"/{code}/accounts/login/")
        assert response.status_code == 200
        assert f'<html lang="{code}">' in response.content.decode()
        assert 'type="email"' in response.content.decode()


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("maria.mentor@example.org", "wrong-password"),
        ("nobody@example.org", TEST_PASSWORD),
        ("", ""),
    ],
)
def test_failed_login_reshows_the_form(user, email, password):
    client = Client()
    response = client.post(LOGIN_URL, {"username": email, "password": password})
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    assert _session_user_id(client) is None


def test_inactive_user_cannot_log_in(user):
    user.is_active = False
    user.save()
    client = Client()
    response = client.post(LOGIN_URL, {"username": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert _session_user_id(client) is None


def test_next_parameter_is_followed_only_within_the_site(user):
    client = Client()
    response = client.post(LOGIN_URL, {"username": user.email, "password": TEST_PASSWORD, "next": "/en/organisations/"})
    assert response["Location"] == "/en/organisations/"

    client = Client()
    response = client.post(
        LOGIN_URL, {"username": user.email, "password": TEST_PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/en/accounts/profile/"


def test_profile_requires_login(anonymous):
    response = anonymous.get("/en/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/login/?next=/en/accounts/profile/"


def test_logout_by_post(user):
    client = Client()
    client.post(LOGIN_URL, {"username": user.email, "password": TEST_PASSWORD})
    assert _session_user_id(client) == str(user.pk)

    assert client.get("/en/accounts/logout/").status_code == 405  # a link cannot log anyone out
    assert _session_user_id(client) == str(user.pk)

    response = client.post("/en/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert _session_user_id(client) is None
    assert client.get("/en/accounts/profile/").status_code == 302


def test_header_offers_logout_form_to_logged_in_users(student):
    body = student.get("/en/").content.decode()
    assert 'action="/en/accounts/logout/"' in body
    assert 'method="post"' in body
