"""Skolverket Susa-navet EMIL3 → typed catalogue records.

EMIL3 (`reference/education-data.md` §2) has three resources: EducationProvider (→ ProviderRecord),
EducationInfo (what is studied → ProgrammeRecord) and EducationEvent (one run of it → OfferingRecord).
A response is either a list wrapper `{"links": […], "educationInfos": [{id, status, content}], "page": {…}}`
(likewise `educationEvents` / `educationProviders`), a single `{id, status, content}`, or a bare content
object; a top-level JSON array of any of these is accepted too, as is a directory of such files (a harvest
dump). Arrays are streamed element by element (`json_stream`), so a 2000-element page never sits in memory whole.

One mapping path: `parse()` and the HTTP harvester (`catalogue/harvesters/susa.py`) both feed `Element`s
to `Emil3Mapper.map`, so a file import and a live harvest produce identical records.

EducationInfo names no provider, but Programme needs one, so the mapper learns "education → first provider"
from the events it sees. `parse()` therefore reads the input twice: a cheap first pass collects those links
from any events in the file(s), the second maps everything. The harvester fetches events before infos.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_noop

from battery_region.catalogue.credits import CreditSystem
from battery_region.catalogue.importers.codes import (
    MAX_YEAR,
    MIN_YEAR,
    InvalidDateError,
    as_dict,
    as_list,
    first_text,
    iter_json_documents,
    normalise_language,
    parse_date,
    parse_datetime,
    problem_from_error,
    text_from_pairs,
    to_decimal,
)
from battery_region.catalogue.importers.records import (
    ApplicationWindowRecord,
    OfferingRecord,
    ParsedItem,
    Problem,
    ProgrammeRecord,
    ProviderRecord,
    Text,
)

SOURCE = "se-susa-emil3"
SWEDEN_TZ = ZoneInfo("Europe/Stockholm")  # EMIL3 date-times are local ("date-time-local") Swedish time


class Kind(StrEnum):
    INFO = "educationInfo"
    EVENT = "educationEvent"
    PROVIDER = "educationProvider"


# The array key of each list response (EducationInfoListResponse etc. in the OpenAPI document).
LIST_KEYS: dict[str, Kind] = {
    "educationInfos": Kind.INFO,
    "educationEvents": Kind.EVENT,
    "educationProviders": Kind.PROVIDER,
}

# A valid-looking ISO 639 code that the catalogue has no choice for becomes teaching language "other"
# rather than being lost; anything else is reported.
LANGUAGE_CODE_RE = re.compile(r"^[a-z]{2,3}$")

# C_Credits codes. hp/yh/gy have official workload rates (§4.1). fup, vp and nyp are valid EMIL3 codes whose
# unit the specification does not define (§6 open question 2): they are neither hours nor weeks, so the
# programme keeps no credits (the raw payload still has them) instead of guessing a conversion.
CREDIT_SYSTEMS = {"hp": CreditSystem.SE_HP, "yh": CreditSystem.SE_YHP, "gy": CreditSystem.SE_GYP}
UNDEFINED_CREDIT_CODES = frozenset({"fup", "vp", "nyp"})

# C_Configuration → Programme.Kind. A "kurspaket" (package of courses) is a programme, not one course.
PROGRAMME_KINDS = {"kurs": "course", "kurspaket": "programme", "program": "programme"}

ISCED_LEVEL_RE = re.compile(r"^ISCED_0?([0-8])$")
ISCED_F_RE = re.compile(r"^(0\d|10)\d{0,2}$")
MUNICIPALITY_RE = re.compile(r"^\d{4}$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
DELETED_STATUSES = frozenset({"deleted", "removed", "borttagen"})

# Swedish county (län) → NUTS-3 region. The county code is the first two digits of the four-digit SCB
# municipality code (kommunkod), e.g. 2482 Skellefteå and 2480 Umeå in 24 Västerbottens län — Statistics
# Sweden, "Regionala indelningar i Sverige" (MIS, Meddelanden i samordningsfrågor, series "Regionala
# indelningar") and SCB's kommunkod list. Each Swedish NUTS-3 region is one county: Eurostat NUTS 2021,
# "NUTS statistical regions of Sweden" (SE331 Västerbottens län, SE332 Norrbottens län, …).
SE_COUNTY_NUTS3 = {
    "01": "SE110",  # Stockholms län
    "03": "SE121",  # Uppsala län
    "04": "SE122",  # Södermanlands län
    "05": "SE123",  # Östergötlands län
    "06": "SE211",  # Jönköpings län
    "07": "SE212",  # Kronobergs län
    "08": "SE213",  # Kalmar län
    "09": "SE214",  # Gotlands län
    "10": "SE221",  # Blekinge län
    "12": "SE224",  # Skåne län
    "13": "SE231",  # Hallands län
    "14": "SE232",  # Västra Götalands län
    "17": "SE311",  # Värmlands län
    "18": "SE124",  # Örebro län
    "19": "SE125",  # Västmanlands län
    "20": "SE312",  # Dalarnas län
    "21": "SE313",  # Gävleborgs län
    "22": "SE321",  # Västernorrlands län
    "23": "SE322",  # Jämtlands län
    "24": "SE331",  # Västerbottens län
    "25": "SE332",  # Norrbottens län
}


def se_region_for_municipality(kommunkod: str) -> str:
    """NUTS-3 region of a four-digit SCB municipality code, or "" when the county is not known."""
    return SE_COUNTY_NUTS3.get(kommunkod[:2], "") if MUNICIPALITY_RE.match(kommunkod) else ""


@dataclass
class Element:
    """One EMIL3 resource as read from a file or an API page, before mapping.

    `kind` is known from the list key it came under (None for a bare object, guessed from its fields);
    `locator` says where it was ("educationInfos.json $.educationInfos[3]") for problems found before its
    identifier is known.
    """

    kind: Kind | None
    locator: str
    value: Any


# --------------------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------------------


def parse(path: Path) -> Iterator[ParsedItem]:
    """Stream records and problems from an EMIL3 JSON file or a directory of them (see module docstring)."""
    path = Path(path)
    files = _input_files(path)
    if not files:
        yield Problem(path.name, "", gettext_noop("No EMIL3 JSON file was found at %(path)s."), {"path": path.name})
        return
    mapper = Emil3Mapper()
    for file in files:  # first pass: which provider runs which education (ids only)
        for item in read_elements(file):
            if isinstance(item, Element):
                mapper.learn(item)
    for file in files:
        for item in read_elements(file):
            if isinstance(item, Problem):
                yield item
            else:
                yield from mapper.map(item)


def _input_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(child for child in path.iterdir() if child.suffix.lower() == ".json" and child.is_file())
    return [path]


def read_elements(path: Path) -> Iterator[Element | Problem]:
    """Every EMIL3 element in one file, streamed; a Problem (then stop) for empty, undecodable or bad JSON.

    The items of the list arrays are streamed one by one (their kind is known from the array's key); a file
    without such an array is one element, a single response or a bare object, whose kind is guessed later.
    """
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield Problem(path.name, "", gettext_noop("The file cannot be read: %(error)s"), {"error": str(exc)})
        return
    with handle:
        for document in iter_json_documents(handle, ref=path.name, split_keys=tuple(LIST_KEYS)):
            if isinstance(document, Problem):
                yield document
            else:
                yield Element(_kind_from_path(document.path), f"{path.name} {document.path}", document.value)


def _kind_from_path(json_path: str) -> Kind | None:
    """`$.educationEvents[4]` came from an EducationEventListResponse, so it is an event."""
    for key, kind in LIST_KEYS.items():
        if json_path.startswith(f"$.{key}["):
            return kind
    return None


# --------------------------------------------------------------------------------------------------------
# Mapping
# --------------------------------------------------------------------------------------------------------


class _Issues:
    """Problems found while mapping one element; the record is yielded only when there are none."""

    def __init__(self, ref: str) -> None:
        self.ref = ref
        self.problems: list[Problem] = []

    def add(self, field_name: str, message: str, params: dict[str, Any] | None = None, code: str = "invalid") -> None:
        self.problems.append(Problem(self.ref, field_name, message, params or {}, code))


@dataclass
class _Unwrapped:
    kind: Kind
    identifier: str
    content: dict[str, Any]
    deleted: bool
    raw: dict[str, Any] = field(default_factory=dict)


class Emil3Mapper:
    """Maps Elements to records, remembering ids across one file set or one harvest.

    State: identifiers seen per kind (a repeated id is a Problem, since the writer would otherwise apply the
    second silently over the first) and the provider of each education learnt from events.
    """

    def __init__(self) -> None:
        self._seen: set[tuple[Kind, str]] = set()
        self._provider_of: dict[str, str] = {}

    def learn(self, element: Element) -> None:
        """Remember which provider runs which education, so an EducationInfo can name its provider."""
        value = element.value
        content = value.get("content") if isinstance(value, dict) and "content" in value else value
        if not isinstance(content, dict) or _guess_kind(element.kind, content) is not Kind.EVENT:
            return
        education, providers = content.get("education"), content.get("providers")
        if isinstance(education, str) and isinstance(providers, list) and providers:
            if isinstance(providers[0], str) and providers[0]:
                self._provider_of.setdefault(education, providers[0])

    def map(self, element: Element) -> Iterator[ParsedItem]:
        """Records (or Problems) for one element."""
        unwrapped = _unwrap(element)
        if isinstance(unwrapped, Problem):
            yield unwrapped
            return
        if unwrapped is None:
            return  # a deletion notice without content: nothing to map (see report)
        key = (unwrapped.kind, unwrapped.identifier)
        ref = f"{unwrapped.kind.value} {unwrapped.identifier}"
        if key in self._seen:
            yield Problem(
                ref,
                "identifier",
                gettext_noop("The identifier %(value)s appears more than once in this import."),
                {"value": unwrapped.identifier},
                code="duplicate",
            )
            return
        self._seen.add(key)
        if unwrapped.kind is Kind.EVENT:
            self.learn(element)
        issues = _Issues(ref)
        record: ParsedItem
        if unwrapped.kind is Kind.INFO:
            record = map_info(unwrapped, issues, self._provider_of.get(unwrapped.identifier, ""))
        elif unwrapped.kind is Kind.EVENT:
            record = map_event(unwrapped, issues)
        else:
            record = map_provider(unwrapped, issues)
        yield from issues.problems
        if not issues.problems:
            yield record


def _unwrap(element: Element) -> _Unwrapped | Problem | None:
    """Split `{id, status, content}` (or a bare content object) into kind, identifier and content."""
    value = element.value
    if not isinstance(value, dict):
        return Problem(element.locator, "", gettext_noop("Expected a JSON object here."), code="malformed")
    status = value.get("status") if isinstance(value.get("status"), str) else ""
    deleted = str(status).strip().casefold() in DELETED_STATUSES
    # updatedSince also returns deleted resources; a deletion notice may come without any content.
    content = value.get("content") if "content" in value else value if "identifier" in value else None
    if content is None and deleted:
        return None
    if not isinstance(content, dict):
        return Problem(element.locator, "content", gettext_noop("Expected a JSON object here."), code="malformed")
    kind = _guess_kind(element.kind, content)
    if kind is None:
        return Problem(
            element.locator,
            "",
            gettext_noop("Cannot tell whether this is an education, an education event or a provider."),
            code="malformed",
        )
    identifier = content.get("identifier") or value.get("id")
    if not isinstance(identifier, str) or not identifier.strip():
        return Problem(element.locator, "identifier", gettext_noop("The record has no identifier."), code="required")
    return _Unwrapped(kind, identifier.strip(), content, deleted, value)


def _guess_kind(kind: Kind | None, content: dict[str, Any]) -> Kind | None:
    if kind is not None:
        return kind
    if "execution" in content or "education" in content:
        return Kind.EVENT
    if "responsibleBody" in content or "emailAddresses" in content or "name" in content:
        return Kind.PROVIDER
    if "title" in content or "resultIsDegree" in content or "subjects" in content:
        return Kind.INFO
    return None


# --- EducationInfo → ProgrammeRecord --------------------------------------------------------------------


def map_info(item: _Unwrapped, issues: _Issues, provider_source_id: str) -> ProgrammeRecord:
    """EducationInfo fields per education-data.md §5.2 "Programme"."""
    content = item.content
    title = lang_text(content.get("title"))
    if not title:
        issues.add("title", gettext_noop("A text in Finnish, Swedish or English is required."), code="required")
    credits_value, credits_min, credits_system = _credits(content.get("credits"), issues)
    configuration = _code(content.get("configuration"))
    return ProgrammeRecord(
        source=SOURCE,
        source_id=item.identifier,
        ref=issues.ref,
        title=title,
        provider_source_id=provider_source_id,
        description=lang_text(content.get("description")),
        qualification_title=lang_text(content.get("degrees")),
        kind=PROGRAMME_KINDS.get(configuration, "programme"),
        national_type=_code(content.get("type")),
        national_code=_string(content.get("code")),
        is_vocational=content.get("isVocational") is True,
        leads_to_qualification=content.get("resultIsDegree") is True,
        isced_fields=_isced_fields(content.get("subjects"), issues),
        isced_level=_isced_level(content.get("educationLevels"), issues),
        credits_value=credits_value,
        credits_min=credits_min,
        credits_system=credits_system,
        source_url=lang_url(content.get("url")),
        source_modified=_instant(content.get("lastEdited"), "lastEdited", issues),
        published=not item.deleted,
        raw=item.raw,
    )


def _credits(value: Any, issues: _Issues) -> tuple[Decimal | None, Decimal | None, str]:
    if not isinstance(value, dict):
        return None, None, ""
    code = _code(value.get("system"))
    if code in UNDEFINED_CREDIT_CODES:
        return None, None, ""
    system = CREDIT_SYSTEMS.get(code)
    if system is None:
        issues.add("credits.system", gettext_noop("Unknown credit system %(value)s."), {"value": code or "—"})
        return None, None, ""
    amount = _decimal(value.get("credits"), "credits.credits", issues)
    minimum = _decimal(value.get("min"), "credits.min", issues)
    return amount, minimum, system.value if amount is not None or minimum is not None else ""


def _isced_fields(subjects: Any, issues: _Issues) -> list[str]:
    """ISCED-F 2013 codes, only from C_Subject_ISCED2013 entries (SUN/ISCED97 stay in the raw payload)."""
    codes: list[str] = []
    for subject in as_list(subjects):
        if not isinstance(subject, dict) or subject.get("type") != "C_Subject_ISCED2013":
            continue
        code = _string(subject.get("code"))
        if not ISCED_F_RE.match(code):
            issues.add("subjects", gettext_noop("%(value)s is not an ISCED-F field code."), {"value": code or "—"})
        elif code not in codes:
            codes.append(code)
    return codes


def _isced_level(levels: Any, issues: _Issues) -> int | None:
    """The highest ISCED 2011 level among C_EducationLevel codes (YH_/UH_ levels are free codes: ignored)."""
    found: list[int] = []
    for level in as_list(levels):
        if not isinstance(level, dict) or level.get("type") != "C_EducationLevel":
            continue
        code = _string(level.get("code"))
        match = ISCED_LEVEL_RE.match(code)
        if match is None:
            issues.add("educationLevels", gettext_noop("Unknown education level %(value)s."), {"value": code or "—"})
        else:
            found.append(int(match.group(1)))
    return max(found) if found else None


# --- EducationEvent → OfferingRecord ---------------------------------------------------------------------


def map_event(item: _Unwrapped, issues: _Issues) -> OfferingRecord:
    """EducationEvent fields per education-data.md §5.2 "Offering" and "ApplicationWindow"."""
    content = item.content
    education = _string(content.get("education"))
    if not education:
        issues.add("education", gettext_noop("The programme is missing."), code="required")
    providers = content.get("providers")
    provider = _string(providers[0]) if isinstance(providers, list) and providers else ""
    if not provider:
        issues.add("providers", gettext_noop("The provider is missing."), code="required")
    record = OfferingRecord(
        source=SOURCE,
        source_id=item.identifier,
        ref=issues.ref,
        programme_source_id=education,
        provider_source_id=provider,
        title=lang_text(content.get("title")),
        description=lang_text(content.get("description")),
        teaching_languages=_teaching_languages(content.get("languageOfInstructions"), issues),
        country="SE",  # Susa-navet lists Swedish education; an Address.country is not reliably coded
        url=lang_url(content.get("url")),
        source_url=lang_url(content.get("url")),
        source_modified=_instant(content.get("lastEdited"), "lastEdited", issues),
        places=_count(content.get("places"), "places", issues),
        raw=item.raw,
    )
    _apply_location(record, content.get("locations"), issues)
    _apply_execution(record, content, issues)
    _apply_pace_and_mode(record, content, issues)
    _apply_fee(record, content.get("fees"), issues)
    record.status = "archived" if item.deleted else "cancelled" if content.get("isCancelled") is True else "published"
    window = _application(content.get("application"), issues)
    if window is not None:
        record.application_windows.append(window)
    return record


def _apply_location(record: OfferingRecord, locations: Any, issues: _Issues) -> None:
    """The first location: SCB kommunkod → "SE-kommun:NNNN" plus its county's NUTS-3 region; town as place."""
    if not isinstance(locations, list) or not locations or not isinstance(locations[0], dict):
        return
    first = locations[0]
    area = _string(first.get("areaCode"))
    if area:
        if MUNICIPALITY_RE.match(area):
            record.municipality_code = f"SE-kommun:{area}"
            record.region = se_region_for_municipality(area)
        else:
            issues.add(
                "locations.areaCode",
                gettext_noop("%(value)s is not a four-digit Swedish municipality code."),
                {"value": area},
            )
    place = _string(first.get("town")) or first_text(lang_text(first.get("studyLocation")))
    record.place_name = place[:200]


def _apply_execution(record: OfferingRecord, content: dict[str, Any], issues: _Issues) -> None:
    """Exact dates from execution; else a UH start period (vt/ht) as a season; else continuous/individual."""
    execution = as_dict(content.get("execution"))
    record.start_date = _date(execution.get("start"), "execution.start", issues)
    record.end_date = _date(execution.get("end"), "execution.end", issues)
    if record.start_date and record.end_date and record.end_date < record.start_date:
        issues.add("execution.end", gettext_noop("The end date is before the start date."))
    if record.start_date is not None:
        record.start_precision = "exact"
        return
    season = _uh_start_season(content.get("extensions"))
    application = as_dict(content.get("application"))
    if season is not None:
        record.start_precision, record.start_year, record.start_season = "season", season[0], season[1]
    elif application.get("continuous") is True:
        record.start_precision = "continuous"
    else:
        record.start_precision = "individual"


def _uh_start_season(extensions: Any) -> tuple[int, str] | None:
    for extension in as_list(extensions):
        if not isinstance(extension, dict) or extension.get("type") != "UHEventExtension":
            continue
        start = extension.get("startPeriod")
        period = start.get("period") if isinstance(start, dict) else None
        if not isinstance(period, dict):
            continue
        year, semester = _string(period.get("year")), period.get("semester")
        if year.isdigit() and MIN_YEAR <= int(year) <= MAX_YEAR and semester in ("vt", "ht"):
            return int(year), "spring" if semester == "vt" else "autumn"
    return None


def _apply_pace_and_mode(record: OfferingRecord, content: dict[str, Any], issues: _Issues) -> None:
    """paceOfStudy.percentage (100 = full time); distance ⇒ online/blended; isApprenticeship ⇒ work-based."""
    pace = as_dict(content.get("paceOfStudy"))
    percentage = _decimal(pace.get("percentage"), "paceOfStudy.percentage", issues)
    if percentage is not None:
        percent = int(percentage.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if 1 <= percent <= 100:
            record.pace_percent = percent
            record.pace = "full_time" if percent == 100 else "part_time"
        else:
            issues.add(
                "paceOfStudy.percentage",
                gettext_noop("The pace must be a percentage from 1 to 100, got %(value)s."),
                {"value": str(percentage)},
            )
    elif pace.get("individual") is True:
        record.pace = "self_paced"
    distance = content.get("distance")
    if content.get("isApprenticeship") is True:
        record.mode = "work_based"
    elif isinstance(distance, dict):
        on_site = [distance.get("noOfMandatorySessions"), distance.get("noOfOptionalSessions")]
        record.mode = "blended" if any(isinstance(n, int) and n > 0 for n in on_site) else "online"
    else:
        record.mode = "presential"


def _apply_fee(record: OfferingRecord, fees: Any, issues: _Issues) -> None:
    """The first unconditional fee with an amount.

    A fee with a `condition` applies to some students only (e.g. tuition for applicants from outside the
    EU/EEA); showing it as the offering's fee would mislead everyone else, so it stays in the raw payload.
    """
    for fee in as_list(fees):
        if not isinstance(fee, dict) or fee.get("totalAmount") is None or lang_text(fee.get("condition")):
            continue
        amount = _decimal(fee.get("totalAmount"), "fees.totalAmount", issues)
        currency = _string(fee.get("currency")).upper()
        if amount is not None and amount < 0:
            issues.add("fees.totalAmount", gettext_noop("The fee cannot be negative."))
        if currency and not CURRENCY_RE.match(currency):
            issues.add(
                "fees.currency", gettext_noop("%(value)s is not a currency code such as EUR."), {"value": currency}
            )
        record.fee_amount = amount
        record.fee_currency = currency or ("SEK" if amount is not None else "")
        return


def _application(value: Any, issues: _Issues) -> ApplicationWindowRecord | None:
    """Application first/last are dates: the window opens at local midnight and closes at the day's end."""
    if not isinstance(value, dict):
        return None
    first = _date(value.get("first"), "application.first", issues)
    last = _date(value.get("last"), "application.last", issues)
    window = ApplicationWindowRecord(
        opens=dt.datetime.combine(first, dt.time.min, SWEDEN_TZ) if first else None,
        closes=dt.datetime.combine(last, dt.time(23, 59, 59), SWEDEN_TZ) if last else None,
        continuous=value.get("continuous") is True,
        url=lang_url(value.get("url")),
    )
    if first and last and last < first:
        issues.add("application.last", gettext_noop("The application closes before it opens."))
    if window.opens is None and window.closes is None and not window.continuous and not window.url:
        return None
    return window


def _teaching_languages(values: Any, issues: _Issues) -> list[str]:
    languages: list[str] = []
    for value in as_list(values):
        code = _string(value).casefold()
        known = normalise_language(code)
        if known is not None:
            language = known
        elif LANGUAGE_CODE_RE.match(code):
            language = "other"
        else:
            issues.add(
                "languageOfInstructions", gettext_noop("Unknown language code %(value)s."), {"value": code or "—"}
            )
            continue
        if language not in languages:
            languages.append(language)
    return languages


# --- EducationProvider → ProviderRecord ------------------------------------------------------------------


def map_provider(item: _Unwrapped, issues: _Issues) -> ProviderRecord:
    """EducationProvider fields per education-data.md §5.2 "Provider"."""
    content = item.content
    name = lang_text(content.get("name"))
    if not name:
        issues.add("name", gettext_noop("A text in Finnish, Swedish or English is required."), code="required")
    record = ProviderRecord(
        source=SOURCE,
        source_id=item.identifier,
        ref=issues.ref,
        name=name,
        kind=_provider_kind(content, name),
        country="SE",
        website=lang_url(content.get("url")),
        description=lang_text(content.get("description")),
        raw=item.raw,
    )
    addresses = as_list(content.get("visitAddresses"))
    for address in [*addresses, content.get("contactAddress")]:
        area = _string(address.get("areaCode")) if isinstance(address, dict) else ""
        if MUNICIPALITY_RE.match(area):
            record.municipality_code = f"SE-kommun:{area}"
            record.region = se_region_for_municipality(area)
            break
    return record


def _provider_kind(content: dict[str, Any], name: Text) -> str:
    """State universities and university colleges are Organisation.Kind.university; others are providers.

    EMIL3 has no provider type beyond the responsible body, so a state body whose Swedish name says
    "universitet" or "högskola" is taken as a university.
    """
    body = as_dict(content.get("responsibleBody"))
    swedish = name.get("sv", "").casefold()
    if _code(body.get("type")) == "statlig" and ("universitet" in swedish or "högskola" in swedish):
        return "university"
    return "education_provider"


# --------------------------------------------------------------------------------------------------------
# Value helpers
# --------------------------------------------------------------------------------------------------------


def lang_text(value: Any) -> Text:
    """LangString `{"strings": [{"lang": "swe", "content": …}]}` → {"sv": …}; other languages are dropped.

    The document gives a node both `content` and `value`; `content` is used, `value` as a fallback.
    """
    pairs = []
    for node in as_list(as_dict(value).get("strings")):
        node = as_dict(node)
        content = node.get("content") if isinstance(node.get("content"), str) else node.get("value")
        pairs.append((node.get("lang"), content))
    return text_from_pairs(pairs)


def lang_url(value: Any) -> str:
    """LangUrl → one address: Swedish first (the source language), then English, then any."""
    by_language: dict[str, str] = {}
    for node in as_list(as_dict(value).get("urls")):
        address = as_dict(node).get("value")
        if isinstance(address, str) and address.strip():
            language = normalise_language(as_dict(node).get("lang")) or "other"
            by_language.setdefault(language, address.strip())
    for language in ("sv", "en", "fi", *by_language):
        if language in by_language:
            return by_language[language]
    return ""


def _code(value: Any) -> str:
    """The code of a coded value `{"type": "C_…", "code": "…"}`."""
    return _string(as_dict(value).get("code"))


def _string(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _decimal(value: Any, field_name: str, issues: _Issues) -> Decimal | None:
    try:
        return to_decimal(value)
    except ValueError:
        issues.add(field_name, gettext_noop("Expected a number, got %(value)s."), {"value": str(value)[:50]})
        return None


def _count(value: Any, field_name: str, issues: _Issues) -> int | None:
    number = _decimal(value, field_name, issues)
    if number is None:
        return None
    if number < 0 or number != number.to_integral_value():
        issues.add(
            field_name, gettext_noop("Expected a whole number of 0 or more, got %(value)s."), {"value": str(value)}
        )
        return None
    return int(number)


def _date(value: Any, field_name: str, issues: _Issues) -> dt.date | None:
    """An ISO date ("2026-08-24") within the years codes.MIN_YEAR–MAX_YEAR."""
    try:
        return parse_date(value)
    except InvalidDateError as error:
        issues.problems.append(problem_from_error(error, ref=issues.ref, field=field_name))
        return None


def _instant(value: Any, field_name: str, issues: _Issues) -> dt.datetime | None:
    """A local Swedish date-time ("2026-01-15T10:00:00") → timezone-aware; an explicit offset is kept."""
    try:
        return parse_datetime(value, default_tz=SWEDEN_TZ)
    except InvalidDateError as error:
        issues.problems.append(problem_from_error(error, ref=issues.ref, field=field_name))
        return None
