"""Account writes: profile, API tokens, personal-data export and erasure."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from battery_region.accounts.models import ApiToken, User, hash_token
from battery_region.core.audit import audit_for, audit_record, snapshot
from battery_region.core.models import AuditEntry

PROFILE_FIELDS = ("full_name", "preferred_language")


@transaction.atomic
def user_update_profile(*, actor: User, user: User, data: dict[str, Any]) -> User:
    if actor.pk != user.pk and not actor.is_superuser:
        raise PermissionDenied("You may only edit your own profile.")
    before = snapshot(user)
    for key in data:
        if key not in PROFILE_FIELDS:
            raise ValueError(f"Field not editable: {key}")
        setattr(user, key, data[key])
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(actor=actor, action="update", instance=user, before=before, after=snapshot(user))
    return user


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its raw value, which is shown once and never stored."""
    raw = "br_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=raw[:10], key_hash=hash_token(raw))
    audit_record(actor=user, action="create", instance=token, after=snapshot(token))
    return token, raw


@transaction.atomic
def api_token_revoke(*, user: User, token: ApiToken) -> None:
    if token.user_id != user.pk:
        raise PermissionDenied("Not your token.")
    audit_record(actor=user, action="delete", instance=token, before=snapshot(token))
    token.delete()


def api_token_authenticate(raw: str) -> User | None:
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def user_personal_data(*, user: User) -> dict[str, Any]:
    """Everything the platform holds about the user, for a GDPR access request (Art. 15)."""
    return {
        "email": user.email,
        "full_name": user.full_name,
        "preferred_language": user.preferred_language,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
        "memberships": [
            {"organisation": str(m.organisation), "role": m.role}
            for m in user.memberships.select_related("organisation")
        ],
        "api_tokens": [{"name": t.name, "created_at": t.created_at.isoformat()} for t in user.api_tokens.all()],
    }


@transaction.atomic
def user_erase(*, actor: User, user: User) -> None:
    """Delete the account and everything tied to it; the audit trail keeps only a pseudonymous label."""
    if actor.pk != user.pk and not actor.is_superuser:
        raise PermissionDenied("You may only erase your own account.")
    label = f"erased-user-{user.pk}"
    AuditEntry.objects.filter(actor=user).update(actor=None, actor_label=label)
    audit_for(user).update(object_repr=label, changes={})
    _scrub_mentions(user, label)
    audit_record(actor=None, action="delete", instance=user, message="account erased at the user's request")
    audit_for(user).update(object_repr=label)
    user.delete()


def _scrub_mentions(user: User, label: str) -> None:
    """Replace the user's address and name in other objects' entries (a membership reads "<user> – <org>")."""
    needles = [n for n in (user.email, user.full_name) if n]  # str(user) is one of these
    pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return pattern.sub(label, value)
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        return value

    mentions = Q(changes__icontains=user.email)
    for needle in needles:
        mentions |= Q(object_repr__icontains=needle)
    for entry in AuditEntry.objects.filter(mentions):
        entry.object_repr = scrub(entry.object_repr)[:300]
        entry.changes = scrub(entry.changes)
        entry.save(update_fields=["object_repr", "changes"])
