"""The audit trail: every service write leaves one entry; the admin shows it read-only and audits itself."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin as django_admin
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory

from battery_region.accounts import services as account_services
from battery_region.accounts.models import ApiToken, User
from battery_region.core.audit import audit_for, audit_record, diff, snapshot
from battery_region.core.models import AuditEntry
from battery_region.organisations import services
from battery_region.organisations.models import ContactPoint, Membership, Organisation
from tests.factories import ContactPointFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def _only_new_entry(before_ids: set[int]) -> AuditEntry:
    new = list(AuditEntry.objects.exclude(pk__in=before_ids))
    assert len(new) == 1, [str(e) for e in new]
    return new[0]


class Trail:
    """Remembers the entries that exist, so a test can ask for exactly the one its write added."""

    def __init__(self) -> None:
        self.seen = set(AuditEntry.objects.values_list("pk", flat=True))

    def new_entry(self) -> AuditEntry:
        entry = _only_new_entry(self.seen)
        self.seen.add(entry.pk)
        return entry

    def nothing_new(self) -> bool:
        return not AuditEntry.objects.exclude(pk__in=self.seen).exists()


def _assert_entry(entry: AuditEntry, *, actor, action: str, instance) -> None:
    assert entry.action == action
    assert entry.actor == actor
    assert entry.actor_label == (actor.email if actor else "system")
    assert entry.content_type == ContentType.objects.get_for_model(type(instance))
    assert entry.object_id == str(instance.pk)
    assert entry.created_at is not None


# --- Services -------------------------------------------------------------------------------------------


def test_organisation_services_are_audited(admin, editor_a, org_a):
    trail = Trail()
    created = services.organisation_create(
        actor=admin.user,
        data={"name_fi": "Uusi oppilaitos", "name_en": "New college", "kind": "university", "country": "FI"},
    )
    entry = trail.new_entry()
    _assert_entry(entry, actor=admin.user, action="create", instance=created)
    assert entry.changes["name_fi"] == [None, "Uusi oppilaitos"]
    assert entry.changes["slug"] == [None, "new-college"]
    assert entry.object_repr == str(created)

    services.organisation_update(actor=editor_a.user, organisation=org_a, data={"region": "FI1D7"})
    entry = trail.new_entry()
    _assert_entry(entry, actor=editor_a.user, action="update", instance=org_a)
    assert entry.changes["region"] == ["FI1D9", "FI1D7"]
    assert "name_fi" not in entry.changes  # only what moved


def test_no_op_update_writes_nothing(editor_a, org_a):
    trail = Trail()
    services.organisation_update(actor=editor_a.user, organisation=org_a, data={"name_fi": org_a.name_fi})
    contact = ContactPointFactory(organisation=org_a)
    services.contact_point_update(actor=editor_a.user, contact=contact, data={"name": contact.name})
    assert trail.nothing_new()


def test_contact_point_services_are_audited(editor_a, org_a):
    trail = Trail()
    contact = services.contact_point_create(
        actor=editor_a.user,
        organisation=org_a,
        data={"name": "Maija Mentor", "role": "mentor", "consent_given": True, "consent_date": dt.date(2024, 1, 5)},
    )
    entry = trail.new_entry()
    _assert_entry(entry, actor=editor_a.user, action="create", instance=contact)
    assert entry.changes["consent_date"] == [None, "2024-01-05"]  # stored JSON-safe

    services.contact_point_update(
        actor=editor_a.user, contact=contact, data={"consent_given": False, "consent_date": None}
    )
    entry = trail.new_entry()
    _assert_entry(entry, actor=editor_a.user, action="update", instance=contact)
    assert entry.changes["consent_given"] == [True, False]
    assert entry.changes["consent_withdrawn_at"][0] is None
    assert entry.changes["consent_withdrawn_at"][1]  # withdrawal time recorded

    pk = contact.pk
    services.contact_point_delete(actor=editor_a.user, contact=contact)
    entry = trail.new_entry()
    assert (entry.action, entry.object_id, entry.actor) == ("delete", str(pk), editor_a.user)
    assert entry.changes["name"] == ["Maija Mentor", None]


def test_membership_services_are_audited(org_admin_a, org_a):
    member = UserFactory(email="new.member@example.org")
    trail = Trail()
    membership = services.membership_set(actor=org_admin_a.user, organisation=org_a, user=member, role="viewer")
    _assert_entry(trail.new_entry(), actor=org_admin_a.user, action="create", instance=membership)

    services.membership_set(actor=org_admin_a.user, organisation=org_a, user=member, role="editor")
    entry = trail.new_entry()
    assert entry.action == "update"
    assert entry.changes["role"] == ["viewer", "editor"]

    services.membership_set(actor=org_admin_a.user, organisation=org_a, user=member, role=None)
    entry = trail.new_entry()
    assert entry.action == "delete"
    assert entry.changes["role"] == ["editor", None]
    assert not Membership.objects.filter(user=member).exists()


def test_refused_writes_leave_no_trace(editor_a, editor_b, org_a):
    from django.core.exceptions import PermissionDenied

    trail = Trail()
    with pytest.raises(PermissionDenied):
        services.organisation_update(actor=editor_b.user, organisation=org_a, data={"name_fi": "X"})
    with pytest.raises(PermissionDenied):
        services.membership_set(actor=editor_a.user, organisation=org_a, user=editor_b.user, role="admin")
    with pytest.raises(PermissionDenied):
        services.organisation_create(actor=editor_a.user, data={"name_fi": "X", "kind": "other", "country": "FI"})
    assert trail.nothing_new()
    assert Organisation.objects.get(pk=org_a.pk).name_fi == "OSAO testi"


def test_failed_validation_rolls_back_the_entry(editor_a, org_a):
    from django.core.exceptions import ValidationError

    trail = Trail()
    with pytest.raises(ValidationError):
        services.organisation_update(actor=editor_a.user, organisation=org_a, data={"region": "SE331"})
    assert trail.nothing_new()


def test_imports_are_audited_as_system(db):
    trail = Trail()
    data = {"name_fi": "Tuotu", "slug": "tuotu", "kind": "company", "country": "FI"}
    org, status = services.organisation_upsert_from_source(actor=None, source="ytj", source_id="1", data=data)
    assert status == "created"
    _assert_entry(trail.new_entry(), actor=None, action="create", instance=org)

    _org, status = services.organisation_upsert_from_source(actor=None, source="ytj", source_id="1", data=data)
    assert status == "unchanged"
    assert trail.nothing_new()

    _org, status = services.organisation_upsert_from_source(
        actor=None, source="ytj", source_id="1", data={**data, "name_fi": "Tuotu uudelleen"}
    )
    assert status == "updated"
    entry = trail.new_entry()
    _assert_entry(entry, actor=None, action="import", instance=org)
    assert entry.changes["name_fi"] == ["Tuotu", "Tuotu uudelleen"]


def test_account_services_are_audited(student):
    user = student.user
    trail = Trail()
    account_services.user_update_profile(actor=user, user=user, data={"full_name": "Saga Svensson"})
    entry = trail.new_entry()
    _assert_entry(entry, actor=user, action="update", instance=user)
    assert entry.changes["full_name"][1] == "Saga Svensson"
    assert "password" not in entry.changes

    token, raw = account_services.api_token_create(user=user, name="my script")
    entry = trail.new_entry()
    _assert_entry(entry, actor=user, action="create", instance=token)
    assert "key_hash" not in entry.changes  # secrets never enter the trail
    assert raw not in str(entry.changes)

    token_pk = token.pk
    account_services.api_token_revoke(user=user, token=token)
    entry = trail.new_entry()
    assert (entry.action, entry.object_id) == ("delete", str(token_pk))


def test_snapshot_and_diff():
    user = UserFactory.build(email="snap@example.org", password="secret-hash")
    data = snapshot(user)
    assert "password" not in data
    assert data["email"] == "snap@example.org"
    assert isinstance(data["date_joined"], str)
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {"b": [2, 3], "c": [None, 4]}
    assert diff(None, None) == {}


def test_audit_for_lists_one_objects_trail_newest_first(org_a, org_b):
    first = audit_record(actor=None, action="action", instance=org_a, message="first")
    audit_record(actor=None, action="action", instance=org_b, message="other")
    second = audit_record(actor=None, action="action", instance=org_a, message="second")
    assert list(audit_for(org_a)) == [second, first]


# --- The Django admin -----------------------------------------------------------------------------------

CHANGELIST = "/fi/admin/core/auditentry/"


def test_admin_sees_the_audit_changelist(admin, editor_a, org_a):
    services.organisation_update(actor=editor_a.user, organisation=org_a, data={"name_fi": "Näkyvä muutos"})
    response = admin.get(CHANGELIST)
    assert response.status_code == 200
    body = response.content.decode()
    entry = AuditEntry.objects.get()
    assert "editor.a@example.org" in body
    assert entry.object_repr in body
    assert f"{CHANGELIST}{entry.pk}/change/" in body


@pytest.mark.parametrize("persona", ["editor_a", "student", "anonymous"])
def test_audit_changelist_is_refused_to_non_staff(request, persona):
    response = request.getfixturevalue(persona).get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/fi/admin/login/")


def test_audit_entries_cannot_be_added_changed_or_deleted_in_the_admin(admin, org_a):
    entry = audit_record(actor=None, action="action", instance=org_a, message="keep me")
    model_admin = django_admin.site._registry[AuditEntry]
    request = RequestFactory().get(CHANGELIST)
    request.user = admin.user
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request, entry) is False
    assert model_admin.has_delete_permission(request, entry) is False

    assert admin.get(f"{CHANGELIST}add/").status_code == 403
    assert admin.post(f"{CHANGELIST}{entry.pk}/change/", {"message": "edited"}).status_code == 403
    assert admin.post(f"{CHANGELIST}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = admin.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert bulk.status_code in (200, 302)
    entry.refresh_from_db()
    assert entry.message == "keep me"


def _admin_organisation_form(org: Organisation, **changes) -> dict:
    data = {
        "name_fi": org.name_fi,
        "name_sv": org.name_sv,
        "name_en": org.name_en,
        "description_fi": org.description_fi,
        "description_sv": org.description_sv,
        "description_en": org.description_en,
        "slug": org.slug,
        "kind": org.kind,
        "country": org.country,
        "region": org.region,
        "municipality_code": org.municipality_code,
        "parent": "",
        "website": org.website,
        "source": org.source,
        "source_id": org.source_id,
        "_save": "Save",
    }
    for prefix in ("memberships", "contact_points"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(changes)
    return data


def test_saving_an_organisation_in_the_admin_is_audited(admin, org_a):
    trail = Trail()
    url = f"/fi/admin/organisations/organisation/{org_a.pk}/change/"
    assert admin.get(url).status_code == 200
    response = admin.post(url, _admin_organisation_form(org_a, name_fi="Ylläpidon nimi"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    org_a.refresh_from_db()
    assert org_a.name_fi == "Ylläpidon nimi"
    entry = trail.new_entry()
    _assert_entry(entry, actor=admin.user, action="update", instance=org_a)
    assert entry.changes["name_fi"] == ["OSAO testi", "Ylläpidon nimi"]
    assert entry.message == "admin"


def test_adding_a_contact_point_inline_in_the_admin_is_audited(admin, org_a):
    trail = Trail()
    data = _admin_organisation_form(
        org_a,
        **{
            "contact_points-TOTAL_FORMS": "1",
            "contact_points-0-name": "Inline Person",
            "contact_points-0-role": "contact",
            "contact_points-0-consent_given": "on",
            "contact_points-0-consent_date": "2024-03-01",
        },
    )
    response = admin.post(f"/fi/admin/organisations/organisation/{org_a.pk}/change/", data)
    assert response.status_code == 302
    contact = ContactPoint.objects.get(name="Inline Person")
    entry = trail.new_entry()  # the organisation itself did not change, so only the inline is recorded
    _assert_entry(entry, actor=admin.user, action="create", instance=contact)


def test_adding_an_organisation_in_the_admin_is_audited(admin):
    trail = Trail()
    template = OrganisationFactory.build(slug="admin-made", name_fi="Ylläpidon luoma", name_en="Admin made")
    response = admin.post("/fi/admin/organisations/organisation/add/", _admin_organisation_form(template))
    assert response.status_code == 302
    created = Organisation.objects.get(slug="admin-made")
    entry = trail.new_entry()
    _assert_entry(entry, actor=admin.user, action="create", instance=created)


def test_deleting_an_api_token_in_the_admin_is_audited(admin, student):
    token, _raw = account_services.api_token_create(user=student.user, name="old script")
    trail = Trail()
    response = admin.post(f"/fi/admin/accounts/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    entry = trail.new_entry()
    assert (entry.action, entry.actor, entry.object_id) == ("delete", admin.user, str(token.pk))


def test_changing_a_user_in_the_admin_is_audited_without_the_password(admin, student):
    trail = Trail()
    user: User = student.user
    url = f"/fi/admin/accounts/user/{user.pk}/change/"
    data = {
        "email": user.email,
        "full_name": "Changed By Admin",
        "preferred_language": "sv",
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "_save": "Save",
    }
    response = admin.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = trail.new_entry()
    _assert_entry(entry, actor=admin.user, action="update", instance=user)
    assert entry.changes["full_name"][1] == "Changed By Admin"
    assert "password" not in entry.changes
