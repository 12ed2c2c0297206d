"""Catalogue in the API: programmes and offerings (search, filters, incremental sync), partner writes, ELM."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from battery_region.catalogue.elm import offering_jsonld
from battery_region.catalogue.filters import START_PERIOD_RE, CatalogueFilters
from battery_region.catalogue.importers.records import ApplicationWindowRecord, OfferingRecord, ProgrammeRecord
from battery_region.catalogue.importers.writer import PK_PREFIX, run_import
from battery_region.catalogue.models import Offering, Programme
from battery_region.catalogue.selectors import catalogue_search, offering_list_public
from battery_region.catalogue.services import offering_delete, programme_delete
from battery_region.core.api import ErrorOut, TokenAuth, TranslatedTextIn, TranslatedTextOut, translated
from battery_region.organisations.access import require_edit
from battery_region.organisations.models import Organisation

router = Router()
API_SOURCE = "api"


class CreditsOut(Schema):
    value: Decimal | None
    min: Decimal | None
    max: Decimal | None
    system: str
    full_time_years: Decimal | None
    full_time_approximate: bool | None
    ects: Decimal | None


class ProviderRefOut(Schema):
    id: int
    slug: str
    name: TranslatedTextOut
    country: str


class ProgrammeRefOut(Schema):
    """What a list of offerings needs of each one's programme (the offering's own title is often empty)."""

    id: int
    title: TranslatedTextOut
    kind: str
    eqf_level: int | None
    url: str


class ProgrammeOut(ProgrammeRefOut):
    description: TranslatedTextOut
    learning_outcomes: TranslatedTextOut
    qualification_title: TranslatedTextOut
    national_type: str
    national_code: str
    is_vocational: bool
    leads_to_qualification: bool
    isced_fields: list[str]
    isced_level: int | None
    nqf_level: int | None
    nqf_framework: str
    credits: CreditsOut
    keywords: list[str]
    provider: ProviderRefOut
    source: str
    source_id: str
    source_url: str
    source_modified: dt.datetime | None
    updated_at: dt.datetime


class WindowOut(Schema):
    opens: dt.datetime | None
    closes: dt.datetime | None
    continuous: bool
    url: str
    entry_requirements: TranslatedTextOut


class OfferingOut(Schema):
    id: int
    programme_id: int
    programme: ProgrammeRefOut
    title: TranslatedTextOut
    description: TranslatedTextOut
    provider: ProviderRefOut
    teaching_languages: list[str]
    country: str
    region: str
    municipality_code: str
    place_name: str
    start_precision: str
    start_date: dt.date | None
    end_date: dt.date | None
    start_year: int | None
    start_season: str
    duration: str
    pace: str
    pace_percent: int | None
    mode: str
    fee_amount: Decimal | None
    fee_currency: str
    places: int | None
    status: str
    open_for_exchange: bool
    exchange_places: int | None
    url: str
    application_windows: list[WindowOut]
    source: str
    source_id: str
    source_url: str
    updated_at: dt.datetime
    score: float | None = None
    snippet: str | None = None


class OfferingDetailOut(OfferingOut):
    programme: ProgrammeOut


def _provider(org: Organisation) -> dict[str, Any]:
    return {"id": org.pk, "slug": org.slug, "name": translated(org, "name"), "country": org.country}


def programme_ref(p: Programme) -> dict[str, Any]:
    return {
        "id": p.pk,
        "title": translated(p, "title"),
        "kind": p.kind,
        "eqf_level": p.eqf_level,
        "url": p.get_absolute_url(),
    }


def programme_out(p: Programme) -> dict[str, Any]:
    full_time = p.full_time
    return {
        **programme_ref(p),
        "description": translated(p, "description"),
        "learning_outcomes": translated(p, "learning_outcomes"),
        "qualification_title": translated(p, "qualification_title"),
        "national_type": p.national_type,
        "national_code": p.national_code,
        "is_vocational": p.is_vocational,
        "leads_to_qualification": p.leads_to_qualification,
        "isced_fields": [f.code for f in p.isced_fields.all()],
        "isced_level": p.isced_level,
        "nqf_level": p.nqf_level,
        "nqf_framework": p.nqf_framework,
        "credits": {
            "value": p.credits_value,
            "min": p.credits_min,
            "max": p.credits_max,
            "system": p.credits_system,
            "full_time_years": full_time.years if full_time else None,
            "full_time_approximate": full_time.approximate if full_time else None,
            "ects": p.ects,
        },
        "keywords": [k.strip() for k in p.keywords.split(",") if k.strip()],
        "provider": _provider(p.provider),
        "source": p.source,
        "source_id": p.source_id,
        "source_url": p.source_url,
        "source_modified": p.source_modified,
        "updated_at": p.updated_at,
    }


def offering_out(o: Offering, *, score: float | None = None, snippet: str | None = None) -> dict[str, Any]:
    return {
        "id": o.pk,
        "programme_id": o.programme_id,
        "programme": programme_ref(o.programme),  # loaded with the offering by every caller (select_related)
        "title": translated(o, "title"),
        "description": translated(o, "description"),
        "provider": _provider(o.provider),
        "teaching_languages": o.language_list,
        **{
            name: getattr(o, name)
            for name in (
                "country",
                "region",
                "municipality_code",
                "place_name",
                "start_precision",
                "start_date",
                "end_date",
                "start_year",
                "start_season",
                "duration",
                "pace",
                "pace_percent",
                "mode",
                "fee_amount",
                "fee_currency",
                "places",
                "status",
                "open_for_exchange",
                "exchange_places",
                "url",
                "source",
                "source_id",
                "source_url",
                "updated_at",
            )
        },
        "application_windows": [
            {
                "opens": w.opens,
                "closes": w.closes,
                "continuous": w.continuous,
                "url": w.url,
                "entry_requirements": translated(w, "entry_requirements"),
            }
            for w in o.application_windows.all()
        ],
        "score": score,
        "snippet": snippet,
    }


class CatalogueQuery(Schema):
    q: str = ""
    lang: str = ""
    country: str = ""
    region: str = ""
    eqf_level: int | None = None
    credits_system: str = ""
    language: str = ""
    mode: str = ""
    start_period: str = ""
    open_for_exchange: bool | None = None
    provider: int | None = None
    modified_since: dt.datetime | None = None
    page: int = 1
    page_size: int = 50


class OfferingPageOut(Schema):
    items: list[OfferingOut]
    count: int
    page: int
    page_size: int
    did_you_mean: str | None = None
    facets: dict[str, list[tuple[str, int]]] = {}


def _filters(query: CatalogueQuery) -> CatalogueFilters:
    if query.start_period and not START_PERIOD_RE.match(query.start_period):
        raise HttpError(422, "start_period must be a year (2027) or a year and season (2027-autumn).")
    return CatalogueFilters(
        country=query.country.upper(),
        region=query.region.upper(),
        eqf_level=query.eqf_level,
        credits_system=query.credits_system,
        language=query.language,
        mode=query.mode,
        start_period=query.start_period,
        open_for_exchange=query.open_for_exchange,
        provider=query.provider,
        modified_since=query.modified_since,
    )


@router.get("/programmes", response=list[ProgrammeOut], summary="List published programmes")
@paginate(PageNumberPagination)
def programme_list_api(
    request: HttpRequest, country: str = "", eqf_level: int | None = None, modified_since: dt.datetime | None = None
) -> Any:
    qs = Programme.objects.published().select_related("provider").prefetch_related("isced_fields").order_by("pk")
    if country:
        qs = qs.filter(provider__country=country.upper())
    if eqf_level is not None:
        qs = qs.filter(eqf_level=eqf_level)
    if modified_since is not None:
        qs = qs.filter(updated_at__gte=modified_since)
    return [programme_out(p) for p in qs]


@router.get("/programmes/{int:programme_id}", response={200: ProgrammeOut, 404: ErrorOut})
def programme_detail_api(request: HttpRequest, programme_id: int) -> Any:
    programme = get_object_or_404(Programme.objects.published().select_related("provider"), pk=programme_id)
    return programme_out(programme)


@router.get(
    "/offerings",
    response={200: OfferingPageOut, 400: ErrorOut, 422: ErrorOut},
    summary="Search and filter offerings",
    description="`q` searches across Finnish, Swedish and English (ranked, with snippets); `lang` is the language "
    "of the query (fi, sv or en; default: the request's language). `modified_since` supports incremental sync.",
)
def offering_list_api(request: HttpRequest, query: Query[CatalogueQuery]) -> Any:
    if not 1 <= query.page_size <= 500 or query.page < 1:
        raise HttpError(422, "page must be ≥ 1 and page_size from 1 to 500.")
    language = query.lang or (getattr(request, "LANGUAGE_CODE", "") or "en")
    if language not in {"fi", "sv", "en"}:
        raise HttpError(400, f"Unknown language {language[:10]!r}: use fi, sv or en.")
    filters = _filters(query)
    if query.q or query.modified_since is None:
        result = catalogue_search(
            q=query.q[:1000], language=language, filters=filters, page=query.page, page_size=query.page_size
        )
        items = [
            offering_out(o, score=result.scores.get(o.pk), snippet=result.snippets.get(o.pk) or None)
            for o in result.offerings
        ]
        return {
            "items": items,
            "count": result.total,
            "page": query.page,
            "page_size": query.page_size,
            "did_you_mean": result.did_you_mean,
            "facets": result.facets,
        }
    # Incremental sync: every change since a moment, in a stable order.
    qs = offering_list_public(filters=filters).order_by("updated_at", "pk").prefetch_related("application_windows")
    start = (query.page - 1) * query.page_size
    return {
        "items": [offering_out(o) for o in qs[start : start + query.page_size]],
        "count": qs.count(),
        "page": query.page,
        "page_size": query.page_size,
    }


def _offering_or_404(offering_id: int) -> Offering:
    return get_object_or_404(
        Offering.objects.published()
        .select_related("programme__provider", "provider")
        .prefetch_related("application_windows"),
        pk=offering_id,
    )


@router.get("/offerings/{int:offering_id}", response={200: OfferingDetailOut, 404: ErrorOut})
def offering_detail_api(request: HttpRequest, offering_id: int) -> Any:
    offering = _offering_or_404(offering_id)
    return {**offering_out(offering), "programme": programme_out(offering.programme)}


@router.get(
    "/offerings/{int:offering_id}/elm",
    response={200: dict, 404: ErrorOut},
    url_name="offering_elm",
    summary="One offering as Europass ELM v3 JSON-LD",
)
def offering_elm_api(request: HttpRequest, offering_id: int) -> HttpResponse:
    document = offering_jsonld(_offering_or_404(offering_id))
    return JsonResponse(document, content_type="application/ld+json", json_dumps_params={"ensure_ascii": False})


# --- partner writes: the same validation and writer as the importers ---------------------------------------


class ProgrammeUpsertIn(Schema):
    external_id: str
    provider_id: int
    title: TranslatedTextIn
    description: TranslatedTextIn | None = None
    learning_outcomes: TranslatedTextIn | None = None
    qualification_title: TranslatedTextIn | None = None
    kind: str = "programme"
    national_type: str = ""
    national_code: str = ""
    is_vocational: bool = False
    leads_to_qualification: bool = False
    isced_fields: list[str] = []
    isced_level: int | None = None
    eqf_level: int | None = None
    nqf_level: int | None = None
    nqf_framework: str = ""
    credits_value: Decimal | None = None
    credits_system: str = ""
    keywords: list[str] = []
    published: bool = True


class WindowIn(Schema):
    opens: dt.datetime | None = None
    closes: dt.datetime | None = None
    continuous: bool = False
    url: str = ""


class OfferingUpsertIn(Schema):
    external_id: str
    programme_id: int
    title: TranslatedTextIn | None = None
    description: TranslatedTextIn | None = None
    teaching_languages: list[str] = []
    country: str = ""
    region: str = ""
    municipality_code: str = ""
    place_name: str = ""
    start_precision: str = "exact"
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    start_year: int | None = None
    start_season: str = ""
    duration: str = ""
    pace: str = ""
    pace_percent: int | None = None
    mode: str = ""
    fee_amount: Decimal | None = None
    fee_currency: str = ""
    places: int | None = None
    status: str = "published"
    open_for_exchange: bool = False
    exchange_places: int | None = None
    url: str = ""
    application_windows: list[WindowIn] = []


def _text(value: TranslatedTextIn | None) -> dict[str, str]:
    if value is None:
        return {}
    return {code: text for code, text in value.model_dump().items() if text}


def _write(request: HttpRequest, record: ProgrammeRecord | OfferingRecord) -> None:
    report = run_import(lambda: [record], actor=request.user, label="api")
    if not report.ok:
        from django.core.exceptions import ValidationError

        raise ValidationError({line["field"] or "request": [line["message"]] for line in report.problem_lines()})


AUTH_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.post(
    "/programmes",
    auth=TokenAuth(),
    response={200: ProgrammeOut, **AUTH_ERRORS},
    summary="Create or update a programme by your own external id",
)
def programme_upsert_api(request: HttpRequest, payload: ProgrammeUpsertIn) -> Any:
    provider = get_object_or_404(Organisation, pk=payload.provider_id)
    require_edit(request.user, provider)
    source_id = f"{provider.slug}:{payload.external_id}"
    existing = Programme.objects.filter(source=API_SOURCE, source_id=source_id).first()
    if existing is not None:
        require_edit(request.user, existing)
    record = ProgrammeRecord(
        source=API_SOURCE,
        source_id=source_id,
        ref=f"programme {payload.external_id}",
        title=_text(payload.title),
        provider_source_id=f"{PK_PREFIX}{provider.pk}",
        description=_text(payload.description),
        learning_outcomes=_text(payload.learning_outcomes),
        qualification_title=_text(payload.qualification_title),
        kind=payload.kind,
        national_type=payload.national_type,
        national_code=payload.national_code,
        is_vocational=payload.is_vocational,
        leads_to_qualification=payload.leads_to_qualification,
        isced_fields=payload.isced_fields,
        isced_level=payload.isced_level,
        eqf_level=payload.eqf_level,
        nqf_level=payload.nqf_level,
        nqf_framework=payload.nqf_framework,
        credits_value=payload.credits_value,
        credits_system=payload.credits_system,
        keywords=payload.keywords,
        published=payload.published,
        raw=payload.model_dump(mode="json", exclude_none=True),
    )
    _write(request, record)
    return programme_out(Programme.objects.get(source=API_SOURCE, source_id=source_id))


@router.post(
    "/offerings",
    auth=TokenAuth(),
    response={200: OfferingDetailOut, **AUTH_ERRORS},
    summary="Create or update an offering by your own external id",
)
def offering_upsert_api(request: HttpRequest, payload: OfferingUpsertIn) -> Any:
    programme = get_object_or_404(Programme.objects.select_related("provider"), pk=payload.programme_id)
    require_edit(request.user, programme)
    source_id = f"{programme.provider.slug}:{payload.external_id}"
    existing = Offering.objects.filter(source=API_SOURCE, source_id=source_id).first()
    if existing is not None:
        require_edit(request.user, existing)
    data = payload.model_dump()
    record = OfferingRecord(
        source=API_SOURCE,
        source_id=source_id,
        ref=f"offering {payload.external_id}",
        programme_source_id=f"{PK_PREFIX}{programme.pk}",
        provider_source_id=f"{PK_PREFIX}{programme.provider_id}",
        title=_text(payload.title),
        description=_text(payload.description),
        teaching_languages=payload.teaching_languages,
        country=payload.country or programme.provider.country,
        application_windows=[
            ApplicationWindowRecord(opens=w.opens, closes=w.closes, continuous=w.continuous, url=w.url)
            for w in payload.application_windows
        ],
        **{
            name: data[name]
            for name in (
                "region",
                "municipality_code",
                "place_name",
                "start_precision",
                "start_date",
                "end_date",
                "start_year",
                "start_season",
                "duration",
                "pace",
                "pace_percent",
                "mode",
                "fee_amount",
                "fee_currency",
                "places",
                "status",
                "open_for_exchange",
                "exchange_places",
                "url",
            )
        },
    )
    record.raw = payload.model_dump(mode="json", exclude_none=True)
    _write(request, record)
    offering = Offering.objects.select_related("programme__provider", "provider").get(
        source=API_SOURCE, source_id=source_id
    )
    return {**offering_out(offering), "programme": programme_out(offering.programme)}


@router.delete("/programmes/{int:programme_id}", auth=TokenAuth(), response={204: None, **AUTH_ERRORS})
def programme_delete_api(request: HttpRequest, programme_id: int) -> Any:
    programme_delete(actor=request.user, programme=get_object_or_404(Programme, pk=programme_id))
    return 204, None


@router.delete("/offerings/{int:offering_id}", auth=TokenAuth(), response={204: None, **AUTH_ERRORS})
def offering_delete_api(request: HttpRequest, offering_id: int) -> Any:
    offering_delete(actor=request.user, offering=get_object_or_404(Offering, pk=offering_id))
    return 204, None
