"""Record validation shared by every import format and by the API's partner writes.

Each check mirrors a model constraint or field limit, so a record that passes here can be written without
the database refusing it. Messages are English msgids (gettext_noop) with parameters; they are translated
when the report is shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache
from urllib.parse import urlsplit

from django.utils.translation import gettext_noop

from battery_region.catalogue.credits import CreditSystem
from battery_region.catalogue.importers.records import (
    OfferingRecord,
    Problem,
    ProgrammeRecord,
    ProviderRecord,
    Text,
)
from battery_region.organisations.models import MUNICIPALITY_CODE_RE, NUTS3_RE, Organisation

LANGUAGES = ("fi", "sv", "en")
TEACHING_LANGUAGES = {"fi", "sv", "en", "se", "no", "de", "other"}
ISCED_F_RE = re.compile(r"^\d{2,4}$")
ISO_DURATION_RE = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
PROGRAMME_KINDS = {"qualification", "degree_programme", "programme", "course", "module"}
START_PRECISIONS = {"exact", "season", "individual", "continuous"}
SEASONS = {"", "spring", "summer", "autumn", "winter"}
PACES = {"", "full_time", "part_time", "self_paced"}
MODES = {"", "presential", "online", "blended", "work_based"}
STATUSES = {"draft", "published", "cancelled", "archived"}
MAX_CREDITS = Decimal("999999.9")


def _text(ref: str, field: str, text: Text, *, max_length: int | None, required: bool) -> Iterator[Problem]:
    unknown = set(text) - set(LANGUAGES)
    if unknown:
        yield Problem(
            ref,
            field,
            gettext_noop("Unknown language %(codes)s in a text field."),
            {"codes": ", ".join(sorted(unknown))},
        )
    if required and not any((text.get(code) or "").strip() for code in LANGUAGES):
        yield Problem(ref, field, gettext_noop("A text in Finnish, Swedish or English is required."), code="required")
    if max_length is not None:
        for code in LANGUAGES:
            if len(text.get(code) or "") > max_length:
                yield Problem(
                    ref,
                    f"{field}.{code}",
                    gettext_noop("The text is longer than %(max)s characters."),
                    {"max": max_length},
                )


_WHITESPACE = re.compile(r"\s")


# The common shape, checked in one match: http(s), a dotted host name, an optional port, then a path, query or
# fragment without whitespace. Whatever it accepts, the full check below accepts too.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d{1,5})?(?:[/?#][^\s]*)?")


@lru_cache(maxsize=8192)
def _valid_url(value: str) -> bool:
    """An absolute http(s) address with a host: what the pages can link to safely.

    Cheaper than Django's URLValidator, whose regex dominated large imports; cached because imports
    repeat the same addresses (provider sites, application forms) many times.
    """
    return bool(_PLAIN_URL.fullmatch(value)) or _valid_url_full(value)


def _valid_url_full(value: str) -> bool:
    """The full check, for what the fast pattern does not cover (upper-case schemes, user info, IPv6...)."""
    if _WHITESPACE.search(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname) and "." in (parts.hostname or "")


def _url_ok(ref: str, field: str, value: str) -> Iterator[Problem]:
    if not value:
        return
    if len(value) > 500:
        yield Problem(ref, field, gettext_noop("The address is longer than %(max)s characters."), {"max": 500})
        return
    if not _valid_url(value):
        yield Problem(ref, field, gettext_noop("%(value)s is not a valid web address."), {"value": value[:100]})


def _level(ref: str, field: str, value: int | None, low: int, high: int) -> Iterator[Problem]:
    if value is not None and not (low <= value <= high):
        yield Problem(
            ref,
            field,
            gettext_noop("The level must be from %(low)s to %(high)s, got %(value)s."),
            {"low": low, "high": high, "value": value},
        )


def _credits(ref: str, record: ProgrammeRecord) -> Iterator[Problem]:
    if record.credits_system:
        try:
            CreditSystem(record.credits_system)
        except ValueError:
            yield Problem(
                ref,
                "credits_system",
                gettext_noop("Unknown credit system %(value)s."),
                {"value": record.credits_system},
            )
    for name in ("credits_value", "credits_min", "credits_max"):
        value = getattr(record, name)
        if value is None:
            continue
        if (
            not isinstance(value, Decimal)
            or value < 0
            or value > MAX_CREDITS
            or value != value.quantize(Decimal("0.1"))
        ):
            yield Problem(
                ref,
                name,
                gettext_noop("Credits must be a non-negative number with at most one decimal, got %(value)s."),
                {"value": str(value)},
            )
    if record.credits_value is not None and not record.credits_system:
        yield Problem(ref, "credits_system", gettext_noop("Credits need a credit system."), code="required")


def _place(ref: str, country: str, region: str, municipality_code: str) -> Iterator[Problem]:
    if country and country not in {"FI", "SE", "NO", "XX"}:
        yield Problem(ref, "country", gettext_noop("Unknown country code %(value)s."), {"value": country})
    if region and not NUTS3_RE.match(region):
        yield Problem(
            ref,
            "region",
            gettext_noop("%(value)s is not a NUTS-3 code such as FI1D9 or SE331."),
            {"value": region},
        )
    if municipality_code and not MUNICIPALITY_CODE_RE.match(municipality_code):
        yield Problem(
            ref,
            "municipality_code",
            gettext_noop("%(value)s is not a namespaced municipality code such as FI-kunta:564 or SE-kommun:2482."),
            {"value": municipality_code},
        )


def validate_provider(record: ProviderRecord) -> list[Problem]:
    ref = record.ref
    problems = list(_text(ref, "name", record.name, max_length=200, required=True))
    if not record.source_id:
        problems.append(Problem(ref, "source_id", gettext_noop("The record has no identifier."), code="required"))
    if record.kind not in Organisation.Kind.values:
        problems.append(
            Problem(ref, "kind", gettext_noop("Unknown organisation kind %(value)s."), {"value": record.kind})
        )
    if not record.country:
        problems.append(Problem(ref, "country", gettext_noop("The country is missing."), code="required"))
    problems += _place(ref, record.country, record.region, record.municipality_code)
    problems += _url_ok(ref, "website", record.website)
    return problems


def validate_programme(record: ProgrammeRecord) -> list[Problem]:
    ref = record.ref
    problems: list[Problem] = []
    if not record.source_id:
        problems.append(Problem(ref, "source_id", gettext_noop("The record has no identifier."), code="required"))
    problems += _text(ref, "title", record.title, max_length=300, required=True)
    problems += _text(ref, "description", record.description, max_length=None, required=False)
    problems += _text(ref, "learning_outcomes", record.learning_outcomes, max_length=None, required=False)
    problems += _text(ref, "qualification_title", record.qualification_title, max_length=300, required=False)
    if record.kind not in PROGRAMME_KINDS:
        problems.append(Problem(ref, "kind", gettext_noop("Unknown programme kind %(value)s."), {"value": record.kind}))
    if len(record.national_type) > 60:
        problems.append(
            Problem(ref, "national_type", gettext_noop("The text is longer than %(max)s characters."), {"max": 60})
        )
    if len(record.national_code) > 100:
        problems.append(
            Problem(
                ref,
                "national_code",
                gettext_noop("The text is longer than %(max)s characters."),
                {"max": 100},
            )
        )
    for code in record.isced_fields:
        if not ISCED_F_RE.match(code):
            problems.append(
                Problem(
                    ref,
                    "isced_fields",
                    gettext_noop("%(value)s is not an ISCED-F field code."),
                    {"value": code},
                )
            )
    problems += _level(ref, "isced_level", record.isced_level, 0, 8)
    problems += _level(ref, "eqf_level", record.eqf_level, 1, 8)
    problems += _level(ref, "nqf_level", record.nqf_level, 1, 8)
    if record.nqf_framework not in {"", "FiNQF", "SeQF"}:
        problems.append(
            Problem(
                ref,
                "nqf_framework",
                gettext_noop("Unknown framework %(value)s."),
                {"value": record.nqf_framework},
            )
        )
    problems += _credits(ref, record)
    problems += _url_ok(ref, "source_url", record.source_url)
    return problems


def validate_offering(record: OfferingRecord) -> list[Problem]:
    ref = record.ref
    problems: list[Problem] = []
    if not record.source_id:
        problems.append(Problem(ref, "source_id", gettext_noop("The record has no identifier."), code="required"))
    if not record.programme_source_id:
        problems.append(Problem(ref, "programme", gettext_noop("The programme is missing."), code="required"))
    problems += _text(ref, "title", record.title, max_length=300, required=False)
    problems += _text(ref, "description", record.description, max_length=None, required=False)
    for code in record.teaching_languages:
        if code not in TEACHING_LANGUAGES:
            problems.append(
                Problem(
                    ref,
                    "teaching_languages",
                    gettext_noop("Unknown language code %(value)s."),
                    {"value": code},
                )
            )
    if not record.country:
        problems.append(Problem(ref, "country", gettext_noop("The country is missing."), code="required"))
    problems += _place(ref, record.country, record.region, record.municipality_code)
    choices = (
        ("start_precision", record.start_precision, START_PRECISIONS),
        ("start_season", record.start_season, SEASONS),
        ("pace", record.pace, PACES),
        ("mode", record.mode, MODES),
        ("status", record.status, STATUSES),
    )
    for name, value, allowed in choices:
        if value not in allowed:
            problems.append(Problem(ref, name, gettext_noop("Unknown value %(value)s."), {"value": value}))
    if record.start_date and record.end_date and record.end_date < record.start_date:
        problems.append(Problem(ref, "end_date", gettext_noop("The end date is before the start date.")))
    if record.start_precision == "season" and not (record.start_year and record.start_season):
        problems.append(
            Problem(ref, "start_season", gettext_noop("A start by season needs both the year and the season."))
        )
    if record.start_year is not None and not (1900 <= record.start_year <= 2100):
        problems.append(
            Problem(
                ref,
                "start_year",
                gettext_noop("The year %(value)s is out of range."),
                {"value": record.start_year},
            )
        )
    for date_field, date in (("start_date", record.start_date), ("end_date", record.end_date)):
        if date is not None and not (1900 <= date.year <= 2100):
            problems.append(
                Problem(ref, date_field, gettext_noop("The date %(value)s is out of range."), {"value": str(date)})
            )
    if record.duration and not ISO_DURATION_RE.match(record.duration):
        problems.append(
            Problem(
                ref,
                "duration",
                gettext_noop("%(value)s is not an ISO 8601 duration such as P2Y."),
                {"value": record.duration},
            )
        )
    if record.pace_percent is not None and not (1 <= record.pace_percent <= 100):
        problems.append(Problem(ref, "pace_percent", gettext_noop("The pace must be a percentage from 1 to 100.")))
    if record.fee_amount is not None and record.fee_amount < 0:
        problems.append(Problem(ref, "fee_amount", gettext_noop("The fee cannot be negative.")))
    if record.fee_currency and not CURRENCY_RE.match(record.fee_currency):
        problems.append(
            Problem(
                ref,
                "fee_currency",
                gettext_noop("%(value)s is not a currency code such as EUR."),
                {"value": record.fee_currency},
            )
        )
    for name in ("places", "exchange_places"):
        value = getattr(record, name)
        if value is not None and value < 0:
            problems.append(Problem(ref, name, gettext_noop("The number cannot be negative.")))
    problems += _url_ok(ref, "url", record.url)
    problems += _url_ok(ref, "source_url", record.source_url)
    for index, window in enumerate(record.application_windows):
        if window.opens and window.closes and window.closes < window.opens:
            problems.append(
                Problem(
                    ref,
                    f"application_windows[{index}].closes",
                    gettext_noop("The application closes before it opens."),
                )
            )
        problems += _url_ok(ref, f"application_windows[{index}].url", window.url)
    return problems
