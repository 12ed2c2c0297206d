"""The audit trail: every service that writes calls `audit_record` inside its transaction.

Values are captured with `snapshot()` before and after the change, so an entry shows exactly which
fields moved. Storing JSON-safe primitives keeps entries readable after the model changes.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from battery_region.core.models import AuditEntry

Snapshot = dict[str, Any]

# Never copy these into the trail: secrets and noise.
_EXCLUDED_FIELDS = {"password", "key_hash", "raw_payload", "search_document"}


def _json_safe(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if hasattr(value, "name") and hasattr(value, "url"):  # FieldFile
        return value.name or ""
    return value


def snapshot(instance: models.Model) -> Snapshot:
    """The concrete field values of `instance`, JSON-safe, keyed by attribute name."""
    data: Snapshot = {}
    for field in instance._meta.concrete_fields:
        if field.name in _EXCLUDED_FIELDS:
            continue
        data[field.attname] = _json_safe(getattr(instance, field.attname))
    return data


def diff(before: Snapshot | None, after: Snapshot | None) -> dict[str, list[Any]]:
    """Changed fields as {field: [before, after]}."""
    before = before or {}
    after = after or {}
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def audit_entry(
    *,
    actor: Any,
    action: str,
    instance: models.Model,
    before: Snapshot | None = None,
    after: Snapshot | None = None,
    message: str = "",
) -> AuditEntry:
    """One audit entry, not yet saved: for writers that save many at once with `bulk_create`."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry(
        actor=actor if is_user else None,
        actor_label=(getattr(actor, "email", "") if is_user else "system")[:200],
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        changes=diff(before, after),
        message=message[:300],
    )


def audit_record(
    *,
    actor: Any,
    action: str,
    instance: models.Model,
    before: Snapshot | None = None,
    after: Snapshot | None = None,
    message: str = "",
) -> AuditEntry:
    """Write one audit entry; `actor` is a user or None for system jobs (imports, harvests)."""
    entry = audit_entry(actor=actor, action=action, instance=instance, before=before, after=after, message=message)
    entry.save()
    return entry


def audit_for(instance: models.Model) -> models.QuerySet[AuditEntry]:
    """The trail of one object, newest first."""
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=str(instance.pk),
    )
