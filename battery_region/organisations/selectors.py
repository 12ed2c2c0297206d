"""Reads for organisation pages and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from battery_region.core.translation import field_names
from battery_region.organisations.models import ContactPoint, Organisation


@dataclass(frozen=True)
class OrganisationFilters:
    country: str = ""
    kind: str = ""
    region: str = ""
    q: str = ""


def organisation_list(*, filters: OrganisationFilters) -> QuerySet[Organisation]:
    qs = Organisation.objects.select_related("parent")
    if filters.country:
        qs = qs.filter(country=filters.country)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.region:
        qs = qs.filter(region=filters.region)
    if filters.q:
        match = Q()
        for column in field_names("name"):
            match |= Q(**{f"{column}__icontains": filters.q})
        qs = qs.filter(match)
    return qs.order_by("name_fi", "pk")


def organisation_regions() -> list[str]:
    return list(Organisation.objects.exclude(region="").order_by("region").values_list("region", flat=True).distinct())


def organisation_get_public(*, slug: str) -> Organisation:
    """One organisation with only its publicly consented contact points prefetched."""
    return (
        Organisation.objects.select_related("parent")
        .prefetch_related(
            Prefetch("contact_points", queryset=ContactPoint.objects.public(), to_attr="public_contacts"),
            "children",
        )
        .get(slug=slug)
    )
