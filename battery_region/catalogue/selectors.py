"""Reads for the catalogue pages, API and exports."""

from __future__ import annotations

from dataclasses import dataclass, field

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


def offering_regions() -> list[str]:
    return list(
        Offering.objects.published().exclude(region="").order_by("region").values_list("region", flat=True).distinct()
    )


@dataclass
class CatalogueResult:
    offerings: list[Offering]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    did_you_mean: str | None = None
    snippets: dict[int, str] = field(default_factory=dict)
    scores: dict[int, float] = field(default_factory=dict)
    expanded_terms: list[str] = field(default_factory=list)


def catalogue_search(*, q: str, language: str, filters: CatalogueFilters, page: int, page_size: int) -> CatalogueResult:
    """One page of the catalogue: ranked by the search service, with facet counts, offerings loaded in order."""
    from battery_region.search.service import search_catalogue

    result = search_catalogue(q=q, language=language, filters=filters, page=page, page_size=page_size)
    ids = [hit.offering_id for hit in result.items]
    loaded = (
        Offering.objects.select_related("programme", "provider").prefetch_related("application_windows").in_bulk(ids)
    )
    return CatalogueResult(
        offerings=[loaded[i] for i in ids if i in loaded],
        total=result.total,
        facets=result.facets,
        did_you_mean=result.did_you_mean,
        snippets={hit.offering_id: hit.snippet for hit in result.items},
        scores={hit.offering_id: hit.score for hit in result.items},
        expanded_terms=result.expanded_terms,
    )


def catalogue_export_queryset(*, q: str, language: str, filters: CatalogueFilters) -> QuerySet[Offering]:
    """Everything an export should contain: the whole filtered (and searched) list, not one page."""
    qs = offering_list_public(filters=filters)
    if q:
        from battery_region.search.service import search_catalogue

        result = search_catalogue(q=q, language=language, filters=filters, page=1, page_size=10_000)
        qs = qs.filter(pk__in=[hit.offering_id for hit in result.items])
    return qs.select_related("programme", "provider").prefetch_related("application_windows", "programme__isced_fields")
