"""Every write to organisations, memberships and contact points: permission, audit, then save."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from battery_region.core.audit import audit_record, snapshot
from battery_region.core.translation import translated_value
from battery_region.organisations.access import require_admin, require_edit
from battery_region.organisations.models import ContactPoint, Membership, Organisation

# Fields an organisation editor may change; kind, country and identity are set by platform staff.
ORGANISATION_EDITABLE_FIELDS = (
    "name_fi",
    "name_sv",
    "name_en",
    "description_fi",
    "description_sv",
    "description_en",
    "website",
    "municipality_code",
    "region",
)
CONTACT_POINT_FIELDS = (
    "name",
    "title_fi",
    "title_sv",
    "title_en",
    "role",
    "email",
    "phone",
    "consent_given",
    "consent_date",
)


def _apply(instance: Any, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValueError(f"Fields not editable here: {', '.join(sorted(unknown))}")
    for key, value in data.items():
        setattr(instance, key, value)


def _unique_slug(base: str, *, exclude_pk: int | None = None) -> str:
    stem = slugify(base)[:100] or "organisation"
    candidate, n = stem, 2
    others = Organisation.objects.all() if exclude_pk is None else Organisation.objects.exclude(pk=exclude_pk)
    while others.filter(slug=candidate).exists():
        candidate, n = f"{stem}-{n}", n + 1
    return candidate


@transaction.atomic
def organisation_create(*, actor: Any, data: dict[str, Any]) -> Organisation:
    """Create an organisation; only platform staff (superusers) or system jobs (actor=None) may."""
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied("Only platform administrators create organisations.")
    organisation = Organisation(**data)
    if not organisation.slug:
        organisation.slug = _unique_slug(translated_value(organisation, "name", "en"))
    organisation.full_clean()
    organisation.save()
    audit_record(actor=actor, action="create", instance=organisation, after=snapshot(organisation))
    return organisation


@transaction.atomic
def organisation_update(*, actor: Any, organisation: Organisation, data: dict[str, Any]) -> Organisation:
    """Update the public profile of an organisation (its editors and admins only)."""
    require_edit(actor, organisation)
    before = snapshot(organisation)
    _apply(organisation, data, ORGANISATION_EDITABLE_FIELDS)
    organisation.full_clean()
    if snapshot(organisation) == before:  # compare before save(): auto_now would always differ after it
        return organisation
    organisation.save()
    audit_record(actor=actor, action="update", instance=organisation, before=before, after=snapshot(organisation))
    return organisation


@transaction.atomic
def contact_point_create(*, actor: Any, organisation: Organisation, data: dict[str, Any]) -> ContactPoint:
    require_edit(actor, organisation)
    contact = ContactPoint(organisation=organisation)
    _apply(contact, data, CONTACT_POINT_FIELDS)
    contact.full_clean()
    contact.save()
    audit_record(actor=actor, action="create", instance=contact, after=snapshot(contact))
    return contact


@transaction.atomic
def contact_point_update(*, actor: Any, contact: ContactPoint, data: dict[str, Any]) -> ContactPoint:
    require_edit(actor, contact)
    before = snapshot(contact)
    _apply(contact, data, CONTACT_POINT_FIELDS)
    if before.get("consent_given") and not contact.consent_given:
        contact.consent_withdrawn_at = timezone.now()
    elif contact.consent_given:
        contact.consent_withdrawn_at = None
    contact.full_clean()
    if snapshot(contact) == before:  # compare before save(): auto_now would always differ after it
        return contact
    contact.save()
    audit_record(actor=actor, action="update", instance=contact, before=before, after=snapshot(contact))
    return contact


@transaction.atomic
def contact_point_delete(*, actor: Any, contact: ContactPoint) -> None:
    """Remove a contact person entirely (also how their personal data is erased)."""
    require_edit(actor, contact)
    before = snapshot(contact)
    audit_record(actor=actor, action="delete", instance=contact, before=before)
    contact.delete()


@transaction.atomic
def membership_set(*, actor: Any, organisation: Organisation, user: Any, role: str | None) -> Membership | None:
    """Grant, change or (role=None) revoke a user's role; only the organisation's admins may."""
    if actor is not None:
        require_admin(actor, organisation)
    existing = Membership.objects.filter(organisation=organisation, user=user).first()
    if role is None:
        if existing is not None:
            audit_record(actor=actor, action="delete", instance=existing, before=snapshot(existing))
            existing.delete()
        return None
    if role not in Membership.Role.values:
        raise ValueError(f"Unknown role {role!r}")
    if existing is None:
        membership = Membership.objects.create(organisation=organisation, user=user, role=role)
        audit_record(actor=actor, action="create", instance=membership, after=snapshot(membership))
        return membership
    before = snapshot(existing)
    existing.role = role
    existing.save(update_fields=["role", "updated_at"])
    audit_record(actor=actor, action="update", instance=existing, before=before, after=snapshot(existing))
    return existing


@transaction.atomic
def organisation_upsert_from_source(
    *, actor: Any, source: str, source_id: str, data: dict[str, Any]
) -> tuple[Organisation, str]:
    """Create or update an organisation known to an external source; returns (organisation, status).

    Status is "created", "updated" or "unchanged", so imports can report what they did and stay idempotent.
    Only system jobs (actor=None) and platform administrators may upsert.
    """
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied("Only platform administrators import organisations.")
    organisation = Organisation.objects.filter(source=source, source_id=source_id).first()
    if organisation is None:
        created = organisation_create(actor=actor, data={**data, "source": source, "source_id": source_id})
        return created, "created"
    before = snapshot(organisation)
    for key, value in data.items():
        setattr(organisation, key, value)
    organisation.full_clean()
    after = snapshot(organisation)
    if before == after:
        return organisation, "unchanged"
    organisation.save()
    audit_record(actor=actor, action="import", instance=organisation, before=before, after=snapshot(organisation))
    return organisation, "updated"
