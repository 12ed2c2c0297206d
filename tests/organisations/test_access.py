"""Who may edit what: the HTML views per persona, and the access helper itself."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from battery_region.core.models import AuditEntry
from battery_region.organisations import access
from battery_region.organisations.models import ContactPoint, Membership, Organisation
from tests.factories import ContactPointFactory, MembershipFactory, UserFactory
from tests.organisations.helpers import contact_form_data, organisation_form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

EDIT_URL = "/fi/organisations/osao-test/edit/"
REFUSED = ["student", "editor_b", "coordinator", "viewer_a"]
ALLOWED = ["editor_a", "org_admin_a", "admin"]


def _unchanged(org: Organisation) -> None:
    fresh = Organisation.objects.get(pk=org.pk)
    assert fresh.name_fi == org.name_fi
    assert fresh.updated_at == org.updated_at
    assert not AuditEntry.objects.exists()


# --- Organisation edit page -----------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(anonymous, org_a):
    for method in (anonymous.get, anonymous.post):
        response = method(EDIT_URL, organisation_form_data(org_a, name_fi="Hijacked"))
        assert response.status_code == 302
        assert response["Location"].startswith("/fi/accounts/login/?next=")
    _unchanged(org_a)


@pytest.mark.parametrize("persona", REFUSED)
def test_refused_personas_get_403_and_change_nothing(request, persona, org_a):
    client = request.getfixturevalue(persona)
    assert client.get(EDIT_URL).status_code == 403
    response = client.post(EDIT_URL, organisation_form_data(org_a, name_fi="Hijacked"))
    assert response.status_code == 403
    _unchanged(org_a)


@pytest.mark.parametrize("persona", ALLOWED)
def test_allowed_personas_open_the_edit_page(request, persona, org_a):
    assert request.getfixturevalue(persona).get(EDIT_URL).status_code == 200


def test_unknown_organisation_edit_is_404(editor_a):
    assert editor_a.get("/fi/organisations/no-such-org/edit/").status_code == 404


# --- Contact points -------------------------------------------------------------------------------------


@pytest.fixture
def contact_a(org_a):
    return ContactPointFactory(organisation=org_a, name="Anna Original")


@pytest.mark.parametrize("persona", REFUSED)
def test_refused_personas_cannot_create_contact_points(request, persona, org_a):
    client = request.getfixturevalue(persona)
    url = "/fi/organisations/osao-test/contacts/new/"
    assert client.get(url).status_code == 403
    assert client.post(url, contact_form_data()).status_code == 403
    assert not ContactPoint.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("persona", REFUSED)
def test_refused_personas_cannot_edit_contact_points(request, persona, contact_a):
    client = request.getfixturevalue(persona)
    url = f"/fi/organisations/osao-test/contacts/{contact_a.pk}/"
    assert client.get(url).status_code == 403
    assert client.post(url, contact_form_data(name="Hijacked")).status_code == 403
    assert ContactPoint.objects.get(pk=contact_a.pk).name == "Anna Original"
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("persona", REFUSED)
def test_refused_personas_cannot_delete_contact_points(request, persona, contact_a):
    client = request.getfixturevalue(persona)
    response = client.post(f"/fi/organisations/osao-test/contacts/{contact_a.pk}/delete/")
    assert response.status_code == 403
    assert ContactPoint.objects.filter(pk=contact_a.pk).exists()
    assert not AuditEntry.objects.exists()


def test_anonymous_cannot_touch_contact_points(anonymous, contact_a):
    urls = [
        "/fi/organisations/osao-test/contacts/new/",
        f"/fi/organisations/osao-test/contacts/{contact_a.pk}/",
        f"/fi/organisations/osao-test/contacts/{contact_a.pk}/delete/",
    ]
    for url in urls:
        response = anonymous.post(url, contact_form_data(name="Hijacked"))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    assert list(ContactPoint.objects.values_list("name", flat=True)) == ["Anna Original"]
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("persona", ALLOWED)
def test_allowed_personas_manage_contact_points(request, persona, contact_a):
    client = request.getfixturevalue(persona)
    assert client.get("/fi/organisations/osao-test/contacts/new/").status_code == 200
    response = client.post(f"/fi/organisations/osao-test/contacts/{contact_a.pk}/delete/")
    assert response.status_code == 302
    assert not ContactPoint.objects.filter(pk=contact_a.pk).exists()


# --- The access helper ----------------------------------------------------------------------------------


def _user_of(request, persona):
    client = request.getfixturevalue(persona)
    return client.user if client.user is not None else AnonymousUser()


@pytest.mark.parametrize(
    ("persona", "edit_a", "administer_a", "edit_b"),
    [
        ("anonymous", False, False, False),
        ("student", False, False, False),
        ("viewer_a", False, False, False),
        ("editor_a", True, False, False),
        ("org_admin_a", True, True, False),
        ("editor_b", False, False, True),
        ("coordinator", False, False, False),
        ("admin", True, True, True),
    ],
)
def test_access_helper_per_persona(request, persona, edit_a, administer_a, edit_b, org_a, org_b):
    user = _user_of(request, persona)
    contact = ContactPointFactory(organisation=org_a)

    assert access.can_edit(user, org_a) is edit_a
    assert access.can_edit(user, contact) is edit_a  # objects owned by org A follow org A
    assert access.can_administer(user, org_a) is administer_a
    assert access.can_edit(user, org_b) is edit_b

    expected = {org for org, allowed in ((org_a, edit_a), (org_b, edit_b)) if allowed}
    editable = set(access.editable_organisations(user).filter(pk__in=[org_a.pk, org_b.pk]))
    assert editable == expected
    assert set(Organisation.objects.editable_by(user).filter(pk__in=[org_a.pk, org_b.pk])) == expected

    if edit_a:
        access.require_edit(user, org_a)
    else:
        with pytest.raises(PermissionDenied):
            access.require_edit(user, org_a)
    if administer_a:
        access.require_admin(user, org_a)
    else:
        with pytest.raises(PermissionDenied):
            access.require_admin(user, org_a)


def test_superuser_can_edit_every_organisation(admin, org_a, org_b, network_org):
    assert set(access.editable_organisations(admin.user)) == {org_a, org_b, network_org}


@pytest.mark.parametrize(
    ("role", "minimum", "expected"),
    [
        (Membership.Role.VIEWER, Membership.Role.VIEWER, True),
        (Membership.Role.VIEWER, Membership.Role.EDITOR, False),
        (Membership.Role.EDITOR, Membership.Role.EDITOR, True),
        (Membership.Role.EDITOR, Membership.Role.ADMIN, False),
        (Membership.Role.ADMIN, Membership.Role.ADMIN, True),
        (Membership.Role.ADMIN, Membership.Role.VIEWER, True),
    ],
)
def test_role_ranks(org_a, role, minimum, expected):
    membership = MembershipFactory(organisation=org_a, role=role)
    assert access.role_in(membership.user, org_a) == role
    assert access.has_role(membership.user, org_a, minimum) is expected


def test_role_in_other_organisation_gives_no_rights(org_a, org_b):
    user = UserFactory()
    MembershipFactory(user=user, organisation=org_b, role=Membership.Role.ADMIN)
    assert access.role_in(user, org_a) is None
    assert access.can_edit(user, org_a) is False
    assert access.role_in(AnonymousUser(), org_a) is None


def test_staff_flag_alone_gives_no_write_rights(org_a):
    staff = UserFactory(is_staff=True)
    assert access.can_edit(staff, org_a) is False
    assert not access.editable_organisations(staff).exists()
