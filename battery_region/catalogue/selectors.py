"""Reads for the catalogue pages, API and exports."""

from __future__ import annotations

from django.db.models import QuerySet

from battery_region.catalogue.filters import CatalogueFilters
from battery_region.catalogue.models import Offering


def apply_filters(qs: QuerySet[Offering], filters: CatalogueFilters) -> QuerySet[Offering]:
    """Narrow offerings by the catalogue filters; every filter is an indexed column or a short join."""
    if filters.country:
        qs = qs.filter(country=filters.country)
    if filters.region:
        qs = qs.filter(region=filters.region)
    if filters.eqf_level is not None:
        qs = qs.filter(programme__eqf_level=filters.eqf_level)
    if filters.credits_system:
        qs = qs.filter(programme__credits_system=filters.credits_system)
    if filters.language:
        # Comma-separated two-letter codes: match a whole code, not a substring of another one.
        qs = qs.filter(teaching_languages__regex=rf"(^|,){filters.language}(,|$)")
    if filters.mode:
        qs = qs.filter(mode=filters.mode)
    year, season = filters.start_year_and_season
    if year is not None:
        qs = qs.filter(start_year=year)
        if season:
            qs = qs.filter(start_season=season)
    if filters.open_for_exchange is not None:
        qs = qs.filter(open_for_exchange=filters.open_for_exchange)
    if filters.provider is not None:
        qs = qs.filter(provider_id=filters.provider)
    if filters.modified_since is not None:
        qs = qs.filter(updated_at__gte=filters.modified_since)
    return qs


def offering_list_public(*, filters: CatalogueFilters) -> QuerySet[Offering]:
    qs = Offering.objects.published().select_related("programme", "provider")
    return apply_filters(qs, filters).order_by("start_date", "pk")
