"""Personas and shared fixtures.

Every test can ask for: `anonymous`, `student`, `editor_a` (editor of `org_a`), `editor_b` (editor of
`org_b`, the outsider for org A's records), `coordinator` (admin of the network organisation) and `admin`
(platform superuser). Each persona fixture is a logged-in Django test client with `.user` set.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.cache import cache
from django.test import Client

from battery_region.organisations.models import Membership, Organisation
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org_a(db: Any) -> Organisation:
    return OrganisationFactory(
        slug="osao-test", name_fi="OSAO testi", name_sv="OSAO test", name_en="OSAO test", country="FI"
    )


@pytest.fixture
def org_b(db: Any) -> Organisation:
    return OrganisationFactory(
        slug="skelleftea-test",
        name_fi="Skellefteå testi",
        name_sv="Skellefteå test",
        name_en="Skellefteå test",
        kind=Organisation.Kind.MUNICIPALITY,
        country="SE",
        region="SE331",
        municipality_code="SE-kommun:2482",
    )


@pytest.fixture
def network_org(db: Any) -> Organisation:
    return OrganisationFactory(slug="network-test", kind=Organisation.Kind.NETWORK, country="FI")


def _client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.user = user  # type: ignore[attr-defined]
    return client


@pytest.fixture
def anonymous() -> Client:
    client = Client()
    client.user = None  # type: ignore[attr-defined]
    return client


@pytest.fixture
def student(db: Any) -> Client:
    return _client_for(UserFactory(email="student@example.org"))


@pytest.fixture
def editor_a(org_a: Organisation) -> Client:
    membership = MembershipFactory(
        organisation=org_a, role=Membership.Role.EDITOR, user=UserFactory(email="editor.a@example.org")
    )
    return _client_for(membership.user)


@pytest.fixture
def editor_b(org_b: Organisation) -> Client:
    membership = MembershipFactory(
        organisation=org_b, role=Membership.Role.EDITOR, user=UserFactory(email="editor.b@example.org")
    )
    return _client_for(membership.user)


@pytest.fixture
def coordinator(network_org: Organisation) -> Client:
    membership = MembershipFactory(
        organisation=network_org, role=Membership.Role.ADMIN, user=UserFactory(email="coordinator@example.org")
    )
    return _client_for(membership.user)


@pytest.fixture
def admin(db: Any) -> Client:
    user = UserFactory(email="admin@example.org", is_staff=True, is_superuser=True)
    return _client_for(user)


# --- A real SMTP server on loopback (aiosmtpd) ------------------------------------------------------------


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list[Message] = field(default_factory=list)

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[Message]:
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpSink]:
    """Start aiosmtpd on 127.0.0.1 and point Django's SMTP backend at it."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink(host="127.0.0.1", port=_free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            sink.messages.append(message_from_bytes(envelope.original_content or envelope.content))
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname=sink.host, port=sink.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def viewer_a(org_a: Organisation) -> Client:
    """A member of `org_a` with the read-only viewer role."""
    membership = MembershipFactory(
        organisation=org_a, role=Membership.Role.VIEWER, user=UserFactory(email="viewer.a@example.org")
    )
    return _client_for(membership.user)


@pytest.fixture
def org_admin_a(org_a: Organisation) -> Client:
    """A member of `org_a` with the organisation-admin role (not a platform superuser)."""
    membership = MembershipFactory(
        organisation=org_a, role=Membership.Role.ADMIN, user=UserFactory(email="org.admin.a@example.org")
    )
    return _client_for(membership.user)


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with the cheapest parameters: the same algorithm and hash format, without 100 MB per hash.

    Only for tests that create or log in many users; tests/core/test_security.py checks the production hasher.
    """

    time_cost = 1
    memory_cost = 64
    parallelism = 1


@pytest.fixture
def fast_password_hashing(settings: Any) -> None:
    """Opt in with `pytest.mark.usefixtures("fast_password_hashing")`; Argon2 stays the algorithm."""
    settings.PASSWORD_HASHERS = ["tests.conftest.FastArgon2PasswordHasher", *settings.PASSWORD_HASHERS]
