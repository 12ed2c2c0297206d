"""The one access helper: HTML views, the API and services all ask here.

Write rights come only from `Membership` (editor or admin of the owning organisation); Django superusers
may do anything. Objects that belong to an organisation expose it as `owner_organisation`.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from battery_region.organisations.models import Membership, Organisation

_RANK = {Membership.Role.VIEWER: 1, Membership.Role.EDITOR: 2, Membership.Role.ADMIN: 3}


class OwnedByOrganisation(Protocol):
    @property
    def owner_organisation(self) -> Organisation | None: ...


def _organisation_of(target: Organisation | OwnedByOrganisation) -> Organisation | None:
    if isinstance(target, Organisation):
        return target
    return target.owner_organisation


def _is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_superuser", False))


def role_in(user: Any, organisation: Organisation) -> str | None:
    """The user's membership role in the organisation, or None."""
    if not getattr(user, "is_authenticated", False) or organisation.pk is None:
        return None
    return Membership.objects.filter(user=user, organisation=organisation).values_list("role", flat=True).first()


def has_role(user: Any, target: Organisation | OwnedByOrganisation, minimum: str = Membership.Role.EDITOR) -> bool:
    if _is_superuser(user):
        return True
    organisation = _organisation_of(target)
    if organisation is None:
        return False
    role = role_in(user, organisation)
    return role is not None and _RANK[Membership.Role(role)] >= _RANK[Membership.Role(minimum)]


def can_edit(user: Any, target: Organisation | OwnedByOrganisation) -> bool:
    return has_role(user, target, Membership.Role.EDITOR)


def can_administer(user: Any, target: Organisation | OwnedByOrganisation) -> bool:
    return has_role(user, target, Membership.Role.ADMIN)


def require_edit(user: Any, target: Organisation | OwnedByOrganisation) -> None:
    """Raise PermissionDenied unless the user may write to the target."""
    if not can_edit(user, target):
        raise PermissionDenied("You may not edit this organisation's records.")


def require_admin(user: Any, target: Organisation | OwnedByOrganisation) -> None:
    if not can_administer(user, target):
        raise PermissionDenied("You may not administer this organisation.")


def editable_organisation_ids(user: Any) -> QuerySet[Any, int] | list[int]:
    if _is_superuser(user):
        return Organisation.objects.values_list("pk", flat=True)
    if not getattr(user, "is_authenticated", False):
        return []
    return Membership.objects.filter(user=user, role__in=[Membership.Role.EDITOR, Membership.Role.ADMIN]).values_list(
        "organisation_id", flat=True
    )


def editable_organisations(user: Any) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=editable_organisation_ids(user))
