"""`load_demo_data`: the letter-of-intent partners and persona users, idempotent, no users in production."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command

from battery_region.accounts.demo import PERSONAS
from battery_region.accounts.models import User
from battery_region.organisations.access import can_edit
from battery_region.organisations.models import ContactPoint, Membership, Organisation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

PARTNERS = {
    # name in its own language: (country, region, municipality code)
    "Region Västerbotten": ("SE", "SE331", "SE-kommun:2480"),
    "Pohjois-Pohjanmaan liitto": ("FI", "FI1D9", "FI-kunta:564"),
    "Skellefteå kommun": ("SE", "SE331", "SE-kommun:2482"),
    "Oulun seudun koulutuskuntayhtymä OSAO": ("FI", "FI1D9", "FI-kunta:564"),
}
PERSONA_EMAILS = {
    "student@demo.invalid",
    "editor.osao@demo.invalid",
    "editor.skelleftea@demo.invalid",
    "coordinator@demo.invalid",
    "admin@demo.invalid",
}


@pytest.fixture(autouse=True)
def _foundation_content_only(monkeypatch):
    """Leave out the other apps' demo content (the full ESCO import takes ~20 s); they test it themselves.

    Set without `raising`, so a renamed hook makes these tests slower, never wrong.
    """
    from types import SimpleNamespace

    from battery_region.catalogue import demo as catalogue_demo
    from battery_region.core.management.commands import load_demo_data

    monkeypatch.setattr(load_demo_data.Command, "_content_loaders", staticmethod(list), raising=False)
    monkeypatch.setattr(catalogue_demo, "load", lambda *a, **k: SimpleNamespace(counts={}), raising=False)


def _load(*args: str) -> str:
    out = StringIO()
    call_command("load_demo_data", *args, stdout=out)
    return out.getvalue()


def _partner(name: str) -> Organisation:
    country = PARTNERS[name][0]
    column = "name_sv" if country == "SE" else "name_fi"
    return Organisation.objects.get(**{column: name})


def test_loading_twice_creates_each_partner_and_persona_once(settings):
    settings.DEBUG = True
    _load()
    counts_after_first = (Organisation.objects.count(), ContactPoint.objects.count(), Membership.objects.count())
    _load()
    assert (Organisation.objects.count(), ContactPoint.objects.count(), Membership.objects.count()) == (
        counts_after_first
    )

    assert Organisation.objects.filter(source="demo-loi").count() == 4
    for name, (country, region, municipality) in PARTNERS.items():
        org = _partner(name)
        assert (org.country, org.region, org.municipality_code) == (country, region, municipality)
        assert org.source == "demo-loi"
    assert _partner("Region Västerbotten").region == "SE331"
    assert _partner("Skellefteå kommun").municipality_code == "SE-kommun:2482"
    assert _partner("Oulun seudun koulutuskuntayhtymä OSAO").municipality_code == "FI-kunta:564"
    assert _partner("Pohjois-Pohjanmaan liitto").region == "FI1D9"

    assert set(User.objects.values_list("email", flat=True)) == PERSONA_EMAILS
    assert {p[0] for p in PERSONAS} == PERSONA_EMAILS
    assert Membership.objects.filter(user__email__in=PERSONA_EMAILS).count() == 3
    # one signatory and one demo contact per partner
    assert ContactPoint.objects.filter(organisation__source="demo-loi").count() == 8


def test_persona_users_have_their_roles(settings):
    settings.DEBUG = True
    _load()
    osao = _partner("Oulun seudun koulutuskuntayhtymä OSAO")
    skelleftea = _partner("Skellefteå kommun")
    editor = User.objects.get(email="editor.osao@demo.invalid")
    assert can_edit(editor, osao)
    assert not can_edit(editor, skelleftea)
    assert not can_edit(User.objects.get(email="student@demo.invalid"), osao)
    admin = User.objects.get(email="admin@demo.invalid")
    assert admin.is_superuser and admin.is_staff
    assert not editor.is_staff
    assert admin.password.startswith("argon2$")


def test_signatories_are_not_public_without_consent(settings):
    settings.DEBUG = True
    _load()
    partners = ContactPoint.objects.filter(organisation__source="demo-loi")
    public_names = set(partners.public().values_list("name", flat=True))
    assert public_names == {"Demo Contact"}
    assert partners.filter(role=ContactPoint.Role.SIGNATORY).count() == 4


def test_refuses_demo_users_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--without-users"):
        _load()
    assert not User.objects.exists()
    assert not Organisation.objects.exists()


def test_without_users_works_when_debug_is_off(settings):
    settings.DEBUG = False
    output = _load("--without-users")
    _load("--without-users")
    assert "organisations: 4" in output
    assert Organisation.objects.filter(source="demo-loi").count() == 4
    for name in PARTNERS:
        assert _partner(name).source == "demo-loi"
    assert not User.objects.exists()


def test_demo_data_is_audited_as_system(settings):
    from battery_region.core.models import AuditEntry

    settings.DEBUG = False
    _load("--without-users")
    partner_ids = {str(pk) for pk in Organisation.objects.filter(source="demo-loi").values_list("pk", flat=True)}
    created = AuditEntry.objects.filter(
        action="create", object_id__in=partner_ids, content_type=ContentType.objects.get_for_model(Organisation)
    )
    assert created.count() == 4
    assert set(AuditEntry.objects.values_list("actor_label", flat=True)) == {"system"}
    entries = AuditEntry.objects.count()
    _load("--without-users")
    assert AuditEntry.objects.count() == entries  # an unchanged re-load writes nothing
