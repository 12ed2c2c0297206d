"""Password reset through a real SMTP server on loopback (the `smtp_server` fixture)."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

NEW_PASSWORD = "a-brand-new-Passphrase-42"


def _body(message) -> str:
    if message.is_multipart():
        parts = [p for p in message.walk() if p.get_content_type() == "text/plain"]
        message = parts[0]
    return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


def test_password_reset_by_email_end_to_end(smtp_server):
    user = UserFactory(email="forgetful@example.org")
    client = Client()

    response = client.post("/en/accounts/password-reset/", {"email": "Forgetful@Example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/password-reset/sent/"
    done = client.get(response["Location"])
    assert "Check your e-mail" in done.content.decode()

    messages = smtp_server.wait_for(1)
    assert len(messages) == 1
    message = messages[0]
    assert message["To"] == "forgetful@example.org"
    assert "Battery Region" in message["Subject"]
    links = re.findall(r"https?://\S+", _body(message))
    assert len(links) == 1
    path = urlparse(links[0]).path
    assert re.fullmatch(r"/en/accounts/reset/[^/]+/[^/]+/", path)

    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    assert 'name="new_password1"' in form_page.content.decode()

    response = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/reset/done/"

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.password.startswith("argon2$")

    fresh = Client()
    response = fresh.post("/en/accounts/login/", {"username": user.email, "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert fresh.session["_auth_user_id"] == str(user.pk)

    # The link works once only.
    used = Client().get(path, follow=True)
    assert "This link is no longer valid" in used.content.decode()


def test_unknown_address_gets_the_same_page_and_no_message(smtp_server):
    UserFactory(email="someone@example.org")
    client = Client()
    response = client.post("/en/accounts/password-reset/", {"email": "nobody@example.org"}, follow=True)
    assert response.redirect_chain[-1][0] == "/en/accounts/password-reset/sent/"
    assert "Check your e-mail" in response.content.decode()
    # Sending is synchronous: a message would already have been accepted by the server.
    assert smtp_server.messages == []


def test_weak_new_password_is_refused(smtp_server):
    user = UserFactory(email="weak@example.org")
    client = Client()
    client.post("/en/accounts/password-reset/", {"email": user.email})
    path = urlparse(re.findall(r"https?://\S+", _body(smtp_server.wait_for(1)[0]))[0]).path
    set_password_url = client.get(path, follow=True).redirect_chain[-1][0]
    response = client.post(set_password_url, {"new_password1": "12345", "new_password2": "12345"})
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    user.refresh_from_db()
    assert not user.check_password("12345")


def test_tampered_link_is_refused(smtp_server):
    user = UserFactory(email="tamper@example.org")
    Client().post("/en/accounts/password-reset/", {"email": user.email})
    path = urlparse(re.findall(r"https?://\S+", _body(smtp_server.wait_for(1)[0]))[0]).path
    tampered = re.sub(r"/([^/]+)/$", "/bad-token-0000/", path)
    response = Client().get(tampered, follow=True)
    assert "This link is no longer valid" in response.content.decode()
