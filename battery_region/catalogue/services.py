"""Every hand-made write to the catalogue: permission, validation, audit, then side effects.

Imports and harvests go through `importers.writer.run_import` instead; both end in the same hooks.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from battery_region.catalogue import hooks
from battery_region.catalogue.importers.writer import derive_start_period
from battery_region.catalogue.models import ApplicationWindow, IscedField, Offering, Programme
from battery_region.core.audit import audit_record, snapshot
from battery_region.organisations.access import require_edit
from battery_region.organisations.models import Organisation


def _set_isced(programme: Programme, codes: list[str] | None) -> None:
    if codes is None:
        return
    fields = [IscedField.objects.get_or_create(code=code)[0] for code in dict.fromkeys(codes)]
    programme.isced_fields.set(fields)


def _apply(instance: Any, data: dict[str, Any]) -> None:
    for key, value in data.items():
        setattr(instance, key, value)


@transaction.atomic
def programme_create(
    *, actor: Any, provider: Organisation, data: dict[str, Any], isced_codes: list[str] | None = None
) -> Programme:
    require_edit(actor, provider)
    programme = Programme(provider=provider)
    _apply(programme, data)
    programme.full_clean()
    programme.save()
    _set_isced(programme, isced_codes)
    audit_record(actor=actor, action="create", instance=programme, after=snapshot(programme))
    hooks.programmes_changed([programme.pk], actor=actor)
    return programme


@transaction.atomic
def programme_update(
    *, actor: Any, programme: Programme, data: dict[str, Any], isced_codes: list[str] | None = None
) -> Programme:
    """Update a programme; for imported ones, the next re-import overwrites imported fields (the form warns)."""
    require_edit(actor, programme)
    before = snapshot(programme)
    before_codes = sorted(programme.isced_fields.values_list("code", flat=True))
    if "provider" in data or "provider_id" in data:
        raise ValueError("The provider of a programme cannot be changed here.")
    _apply(programme, data)
    programme.full_clean()
    programme.save()
    _set_isced(programme, isced_codes)
    after = snapshot(programme)
    after_codes = sorted(programme.isced_fields.values_list("code", flat=True))
    if before != after or before_codes != after_codes:
        before["isced_fields"], after["isced_fields"] = before_codes, after_codes
        audit_record(actor=actor, action="update", instance=programme, before=before, after=after)
    hooks.programmes_changed([programme.pk], actor=actor)
    return programme


@transaction.atomic
def programme_delete(*, actor: Any, programme: Programme) -> None:
    require_edit(actor, programme)
    offering_ids = list(programme.offerings.values_list("pk", flat=True))
    audit_record(actor=actor, action="delete", instance=programme, before=snapshot(programme))
    hooks.offerings_removed(offering_ids)
    programme.delete()


def _save_window(offering: Offering, window: dict[str, Any] | None) -> None:
    """The offering form edits its first application window; None leaves windows as they are."""
    if window is None:
        return
    current = offering.application_windows.first()
    if not any(value not in (None, "", False) for value in window.values()):
        if current is not None:
            current.delete()
        return
    target = current or ApplicationWindow(offering=offering)
    _apply(target, window)
    target.full_clean()
    target.save()


@transaction.atomic
def offering_create(
    *, actor: Any, programme: Programme, data: dict[str, Any], window: dict[str, Any] | None = None
) -> Offering:
    require_edit(actor, programme)
    offering = Offering(programme=programme, provider=programme.provider)
    _apply(offering, data)
    if not offering.country:
        offering.country = programme.provider.country
    derive_start_period(offering)
    offering.full_clean()
    offering.save()
    _save_window(offering, window)
    audit_record(actor=actor, action="create", instance=offering, after=snapshot(offering))
    hooks.offerings_changed([offering.pk])
    return offering


@transaction.atomic
def offering_update(
    *, actor: Any, offering: Offering, data: dict[str, Any], window: dict[str, Any] | None = None
) -> Offering:
    require_edit(actor, offering)
    before = snapshot(offering)
    _apply(offering, data)
    derive_start_period(offering)
    offering.full_clean()
    offering.save()
    _save_window(offering, window)
    after = snapshot(offering)
    if before != after:
        audit_record(actor=actor, action="update", instance=offering, before=before, after=after)
    hooks.offerings_changed([offering.pk])
    return offering


@transaction.atomic
def offering_delete(*, actor: Any, offering: Offering) -> None:
    require_edit(actor, offering)
    audit_record(actor=actor, action="delete", instance=offering, before=snapshot(offering))
    hooks.offerings_removed([offering.pk])
    offering.delete()
