"""Europass / European Learning Model v3 JSON-LD → catalogue records (reference/education-data.md §3).

Nodes of type `LearningAchievementSpecification` or `Qualification` become ProgrammeRecords,
`LearningOpportunity` nodes OfferingRecords, and the Organisation that provides them a ProviderRecord. Nodes
are found wherever they sit: top level, inside a JSON-LD `@graph`, a JSON array, or nested in a European
Digital Credential (`credentialSubject.hasClaim.specifiedBy`, as in the EC sample).

The document is read as plain JSON with the ELM context's term names (`title`, `eqfLevel`, `thematicArea`,
`creditPoint`, …); it is not expanded with a JSON-LD processor, because that would fetch remote contexts and
the terms are fixed by the published ELM context anyway.

Decisions (why):
- Provider: `providedBy` of a LearningOpportunity; else the awarding body of the achievement that embeds the
  specification (`awardedBy.awardingBody`); else the credential `issuer`. Only Organisations that provide a
  record become ProviderRecords (assessors and group members are not providers).
- Ids: `urn:epass:…` ids are local to one credential (every EC sample has `urn:epass:org:1`), so they are
  prefixed with the credential's own id (`<credential id>#urn:epass:org:1`) to stay unique across files.
  Global ids (http…, QDR ids) are kept as they are.
- Credits: the ECTS framework → `ects`. ECVET points are only meaningful as Finnish osaamispisteet (the Finnish
  national ECVET implementation), so ECVET from a Finnish provider → `fi_osp`; ECVET from any other provider is
  a Problem, because no catalogue credit system would represent it honestly.
- Text: language maps and `{"@language", "@value"}` lists are read; a string without a language is English.
  Only Finnish, Swedish and English are kept; a specification with no title in those languages is a Problem.
- Repeated nodes: JSON-LD embeds the same node many times (the EC sample repeats its issuer four times); a
  repeat with identical content is ignored, a different node with the same id is a Problem.
- Size: a single JSON object is held in memory, so files over MAX_OBJECT_BYTES whose top level is an object
  are refused with a Problem; top-level arrays (and `@graph` arrays) are streamed item by item.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext_noop

from battery_region.catalogue.credits import CreditSystem
from battery_region.catalogue.importers import codes
from battery_region.catalogue.importers.codes import as_dict
from battery_region.catalogue.importers.records import (
    ApplicationWindowRecord,
    OfferingRecord,
    ParsedItem,
    Problem,
    ProgrammeRecord,
    ProviderRecord,
    Text,
)

SOURCE = "elm"
MAX_OBJECT_BYTES = 20 * 1024 * 1024
MAX_ID_LENGTH = 200  # SourcedModel.source_id

ECTS_FRAMEWORK = "http://data.europa.eu/snb/education-credit/6fcec5c5af"
ECVET_FRAMEWORK = "http://data.europa.eu/snb/education-credit/60b314e826"

PROGRAMME_TYPES = frozenset({"LearningAchievementSpecification", "Qualification"})
OFFERING_TYPES = frozenset({"LearningOpportunity"})
ORGANISATION_TYPES = frozenset({"Organisation", "Organization"})

# EU vocabulary concepts (xsd/loq/cv in European-Learning-Model), by their last path segment.
_MODES = {"9191af2ed9": "presential", "920fbb3cbe": "online", "e92d221e4d": "blended", "729f3bed4b": "work_based"}
_SCHEDULES = {"72a0ab92fa": "full_time", "f230bae523": "part_time", "67395e6b5a": "part_time"}
_OPPORTUNITY_KINDS = {"05053c1cbe": "course", "74a4a268e8": "course", "79343569f3": "programme"}
# Offering.duration holds calendar durations only (P2Y, P6M, P10W); times such as PT60H are workload, not length.
_ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$")

MSG_CANNOT_OPEN = gettext_noop("Cannot open the file: %(error)s")
MSG_TOO_LARGE = gettext_noop(
    "The file is larger than %(limit)s MB and is one JSON object; split it or send a JSON array or @graph."
)
MSG_NOTHING_FOUND = gettext_noop("No LearningOpportunity, LearningAchievementSpecification or Qualification found.")
MSG_MISSING = gettext_noop("The required field %(field)s is missing.")
MSG_NO_TITLE = gettext_noop("The title has no Finnish, Swedish or English text.")
MSG_NO_PROVIDER = gettext_noop("No provider: no providedBy, awarding body or issuer.")
MSG_DUPLICATE = gettext_noop("The id %(id)s appears twice in the file with different content.")
MSG_ID_TOO_LONG = gettext_noop("The id %(id)s is longer than %(max)s characters.")
MSG_UNKNOWN_FRAMEWORK = gettext_noop("Unknown credit framework %(code)s.")
MSG_ECVET_NOT_FINNISH = gettext_noop(
    "ECVET credit points are imported only for Finnish providers (as osaamispisteet); the provider is in %(country)s."
)
MSG_BAD_NUMBER = gettext_noop("%(value)s is not a valid number.")
MSG_END_BEFORE_START = gettext_noop("The end %(end)s is before the start %(start)s.")


# --- JSON-LD helpers ----------------------------------------------------------------------------------------


def node_id(node: Any) -> str:
    """The `id`/`@id` of a node, or the string itself when a property holds a bare reference."""
    if isinstance(node, str):
        return node.strip()
    if isinstance(node, dict):
        value = node.get("id", node.get("@id"))
        return value.strip() if isinstance(value, str) else ""
    return ""


def node_types(node: dict[str, Any]) -> set[str]:
    """Local type names ("Qualification" from "Qualification", "elm:Qualification" or a full IRI)."""
    types = node.get("type", node.get("@type"))
    names = types if isinstance(types, list) else [types]
    return {re.split(r"[/#:]", name)[-1] for name in names if isinstance(name, str) and name}


def _first(value: Any) -> Any:
    """The first item of a JSON-LD set (a property may hold one value or a list)."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def elm_text(value: Any) -> Text:
    """A catalogue text dict from a JSON-LD language value: a language map, a `Note`, `@value` objects, or a
    plain string (English)."""
    pairs: list[tuple[str | None, object]] = []
    stack = [value]
    while stack:
        item = stack.pop(0)
        if isinstance(item, str):
            pairs.append(("en", item))
        elif isinstance(item, list):
            stack[0:0] = item
        elif isinstance(item, dict):
            if "noteLiteral" in item:
                stack.insert(0, item["noteLiteral"])
            elif "@value" in item:
                pairs.append((item.get("@language") or "en", item["@value"]))
            else:
                pairs += [(str(k), _first(v)) for k, v in item.items() if k not in ("id", "type", "@id", "@type")]
    return codes.text_from_pairs(pairs)


def _concept_key(value: Any) -> str:
    """The last segment of a concept URI (`…/learning-assessment/9191af2ed9` → "9191af2ed9")."""
    return node_id(_first(value)).rstrip("/").rsplit("/", 1)[-1]


def _url(value: Any) -> str:
    """A web address from a WebResource (`contentURL`) or a bare URL string; "" if not http(s)."""
    item = _first(value)
    url = item.get("contentURL", item.get("id", "")) if isinstance(item, dict) else item
    return url.strip()[:500] if isinstance(url, str) and url.strip().startswith(("http://", "https://")) else ""


def _content_hash(node: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(node, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class _Found:
    """What the walk of one document found: record nodes with the provider their context gives."""

    organisations: list[dict[str, Any]] = field(default_factory=list)
    records: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)  # (kind, node, provider id)


@dataclass
class _Pending:
    """A specification or opportunity node on its way to a record."""

    kind: str  # "programme" | "offering"
    node: dict[str, Any]
    source_id: str
    provider: str
    scope: str

    @property
    def label(self) -> str:
        return "LearningOpportunity" if self.kind == "offering" else "specification"


def _many(value: Any) -> list[Any]:
    """A JSON-LD property as a list: one value or a list of values (None gives [])."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _context_provider(node: dict[str, Any]) -> str:
    """The organisation this node names as provider for itself and what it embeds ("" if none)."""
    for value in (
        node.get("providedBy"),
        as_dict(_first(node.get("awardedBy"))).get("awardingBody"),
        node.get("awardingBody"),
        node.get("issuer"),
    ):
        provider = node_id(_first(value))
        if provider:
            return provider
    return ""


def walk(document: Any) -> _Found:
    """Find Organisation, specification and opportunity nodes anywhere in a document (iteratively, so deep
    nesting cannot exhaust the stack), with the provider each inherits from its context."""
    found = _Found()
    stack: list[tuple[Any, str]] = [(document, "")]
    while stack:
        item, context = stack.pop()
        if isinstance(item, list):
            stack.extend((child, context) for child in reversed(item))
            continue
        if not isinstance(item, dict):
            continue
        types = node_types(item)
        context = _context_provider(item) or context
        if types & ORGANISATION_TYPES:
            found.organisations.append(item)
        if types & PROGRAMME_TYPES:
            found.records.append(("programme", item, context))
        elif types & OFFERING_TYPES:
            found.records.append(("offering", item, context))
        children = [value for value in item.values() if isinstance(value, dict | list)]
        stack.extend((child, context) for child in reversed(children))
    return found


class _Checks:
    def __init__(self, ref: str) -> None:
        self.ref = ref
        self.problems: list[Problem] = []

    def add(self, field: str, message: str, /, *, problem_code: str = "invalid", **params: Any) -> None:
        self.problems.append(Problem(ref=self.ref, field=field, message=message, params=params, code=problem_code))

    def error(self, field: str, error: codes.UnknownCodeError | codes.InvalidDateError) -> None:
        self.problems.append(codes.problem_from_error(error, ref=self.ref, field=field))

    def outcome(self, record: ParsedItem) -> list[ParsedItem]:
        return list(self.problems) if self.problems else [record]


class ElmMapper:
    """Maps the documents of one file to records, remembering organisations and ids across documents.

    Providers are emitted once, when an Organisation node is known and some record uses it. A record with
    ECVET credits whose provider country is not known yet waits for the end of the file (`finish`).
    """

    def __init__(self) -> None:
        self._organisations: dict[str, ProviderRecord] = {}
        self._used_providers: set[str] = set()
        self._emitted_providers: set[str] = set()
        self._seen: dict[str, str] = {}
        self._waiting: list[_Pending] = []
        self.records_found = 0

    def map_document(self, document: Any, ref: str, *, scoped: bool = True) -> Iterator[ParsedItem]:
        """Records and Problems for one top-level JSON value.

        `scoped` says the document is self-contained (a credential), so its `urn:epass:` ids are local to it;
        nodes of a shared `@graph` are not scoped.
        """
        scope = node_id(document) if scoped and isinstance(document, dict) else ""
        found = walk(document)
        for organisation in found.organisations:
            yield from self._see_organisation(organisation, scope)
        for kind, node, context in found.records:
            yield from self._map_record(
                _Pending(kind, node, self._global_id(node_id(node), scope), "", scope), context, ref
            )

    def finish(self) -> Iterator[ParsedItem]:
        """Records that waited for their provider's country."""
        waiting, self._waiting = self._waiting, []
        for pending in waiting:
            yield from self._build(pending, final=True)

    # --- ids -----------------------------------------------------------------------------------------------

    @staticmethod
    def _global_id(local: str, scope: str) -> str:
        if local.startswith("urn:epass:") and scope and scope != local:
            return f"{scope}#{local}"
        return local

    def _is_repeat(self, source_id: str, node: dict[str, Any], checks: _Checks) -> bool:
        digest = _content_hash(node)
        if source_id not in self._seen:
            self._seen[source_id] = digest
            return False
        if self._seen[source_id] != digest:
            checks.add("id", MSG_DUPLICATE, problem_code="duplicate", id=source_id)
        return True

    # --- organisations -------------------------------------------------------------------------------------

    def _see_organisation(self, node: dict[str, Any], scope: str) -> Iterator[ParsedItem]:
        source_id = self._global_id(node_id(node), scope)
        if not source_id or len(source_id) > MAX_ID_LENGTH or source_id in self._organisations:
            return
        name = elm_text(node.get("legalName")) or elm_text(node.get("prefLabel")) or elm_text(node.get("altLabel"))
        if not name:
            return
        self._organisations[source_id] = ProviderRecord(
            source=SOURCE,
            source_id=source_id,
            ref=f"Organisation {source_id}",
            name=name,
            country=_country(node),
            region=_organisation_region(node),
            website=_website(node),
            description=elm_text(node.get("additionalNote")),
            raw=node,
        )
        if source_id in self._used_providers:
            yield from self._emit_provider(source_id)

    def _use_provider(self, source_id: str) -> Iterator[ParsedItem]:
        self._used_providers.add(source_id)
        if source_id in self._organisations:
            yield from self._emit_provider(source_id)

    def _emit_provider(self, source_id: str) -> Iterator[ParsedItem]:
        if source_id not in self._emitted_providers:
            self._emitted_providers.add(source_id)
            yield self._organisations[source_id]

    # --- records -------------------------------------------------------------------------------------------

    def _map_record(self, pending: _Pending, context: str, ref: str) -> Iterator[ParsedItem]:
        self.records_found += 1
        checks = _Checks(f"{pending.label} {pending.source_id}" if pending.source_id else ref)
        if not pending.source_id:
            checks.add("id", MSG_MISSING, problem_code="missing", field="id")
        elif len(pending.source_id) > MAX_ID_LENGTH:
            checks.add("id", MSG_ID_TOO_LONG, id=pending.source_id[:60] + "…", max=MAX_ID_LENGTH)
        elif self._is_repeat(pending.source_id, pending.node, checks):
            yield from checks.problems  # an identical repeat yields nothing
            return
        if checks.problems:
            yield from checks.problems
            return
        own = node_id(_first(pending.node.get("providedBy")))
        pending.provider = self._global_id(own or context, pending.scope)
        if pending.provider:
            yield from self._use_provider(pending.provider)
        yield from self._build(pending, final=False)

    def _build(self, pending: _Pending, *, final: bool) -> Iterator[ParsedItem]:
        checks = _Checks(f"{pending.label} {pending.source_id}")
        if not pending.provider:
            checks.add("providedBy", MSG_NO_PROVIDER, problem_code="missing")
        record: ParsedItem
        if pending.kind == "programme":
            credits = self._credits(pending.node, pending.provider, checks, final=final)
            if credits is None:
                self._waiting.append(pending)
                return
            record = _programme(pending.node, pending.source_id, pending.provider, credits, checks)
        else:
            specification = self._global_id(
                node_id(_first(pending.node.get("learningAchievementSpecification"))), pending.scope
            )
            record = _offering(pending.node, pending.source_id, pending.provider, specification, checks)
            provider = self._organisations.get(pending.provider)
            if not record.country and provider is not None:
                record.country = provider.country  # no location of its own: it is given where its provider is
        yield from checks.outcome(record)

    def _credits(
        self, node: dict[str, Any], provider: str, checks: _Checks, *, final: bool
    ) -> tuple[Decimal | None, str] | None:
        """(value, system) of the node's credit points; None means "wait until the provider is known"."""
        for point in map(as_dict, _many(node.get("creditPoint"))):
            framework = node_id(_first(point.get("framework")))
            try:
                value = codes.to_decimal(_first(point.get("point")))
            except ValueError:
                checks.add("creditPoint.point", MSG_BAD_NUMBER, value=str(point.get("point")))
                return (None, "")
            if framework == ECTS_FRAMEWORK:
                return (value, CreditSystem.ECTS.value)
            if framework != ECVET_FRAMEWORK:
                checks.add("creditPoint.framework", MSG_UNKNOWN_FRAMEWORK, problem_code="unknown", code=framework)
                return (None, "")
            organisation = self._organisations.get(provider)
            if organisation is None and not final:
                return None
            country = organisation.country if organisation else ""
            if country != "FI":
                checks.add("creditPoint.framework", MSG_ECVET_NOT_FINNISH, country=country or "?")
                return (None, "")
            return (value, CreditSystem.FI_OSP.value)
        return (None, "")


# --- node mappers (pure) ------------------------------------------------------------------------------------


def _country(node: dict[str, Any]) -> str:
    """The catalogue country of a node's first `location.address.countryCode`."""
    for location in map(as_dict, _many(node.get("location"))):
        address = as_dict(_first(location.get("address")))
        country = codes.country_from_code(node_id(_first(address.get("countryCode"))))
        if country:
            return country
    return ""


def _website(node: dict[str, Any]) -> str:
    url = _url(node.get("homepage"))
    return url if len(url) <= 200 else ""  # Organisation.website is 200 characters; a cut URL would be wrong


def _organisation_region(node: dict[str, Any]) -> str:
    """A NUTS-3 code from `location.spatialCode` when it is a NUTS concept (e.g. …/nuts/code/FI1D9)."""
    for location in map(as_dict, _many(node.get("location"))):
        code = _concept_key(location.get("spatialCode"))
        if re.fullmatch(r"[A-Z]{2}[0-9A-Z]{3}", code):
            return code
    return ""


def _programme(
    node: dict[str, Any], source_id: str, provider: str, credits: tuple[Decimal | None, str], checks: _Checks
) -> ProgrammeRecord:
    types = node_types(node)
    partial = node.get("isPartialQualification") is True
    title = elm_text(node.get("title"))
    if not title:
        checks.add("title", MSG_NO_TITLE, problem_code="missing")
    if "Qualification" in types:
        kind = "module" if partial else "qualification"
    else:
        kind = _OPPORTUNITY_KINDS.get(_concept_key(node.get("dcType")), "programme")
    value, system = credits
    return ProgrammeRecord(
        source=SOURCE,
        source_id=source_id,
        ref=checks.ref,
        title=title,
        provider_source_id=provider,
        description=elm_text(node.get("description")),
        learning_outcomes=elm_text(node.get("learningOutcomeSummary")) or _outcome_titles(node),
        kind=kind,
        leads_to_qualification="Qualification" in types and not partial,
        isced_fields=_isced_fields(node, checks),
        eqf_level=_eqf_level(node, checks),
        credits_value=value,
        credits_system=system if value is not None else "",
        source_url=_url(node.get("homepage")) or (source_id if source_id.startswith("http") else ""),
        source_modified=_instant(node.get("modified"), "modified", checks),
        raw=node,
    )


def _outcome_titles(node: dict[str, Any]) -> Text:
    """Learning outcome titles joined per language, when there is no learningOutcomeSummary."""
    parts: dict[str, list[str]] = {}
    for outcome in map(as_dict, _many(node.get("learningOutcome"))):
        for language, title in elm_text(outcome.get("title")).items():
            parts.setdefault(language, []).append(title)
    return {language: "; ".join(titles) for language, titles in parts.items()}


def _isced_fields(node: dict[str, Any], checks: _Checks) -> list[str]:
    fields: list[str] = []
    for concept in _many(node.get("thematicArea")) + _many(node.get("ISCEDFCode")):
        try:
            code = codes.isced_f_from_uri(node_id(concept))
        except codes.UnknownCodeError as error:
            checks.error("thematicArea", error)
            continue
        if code not in fields:
            fields.append(code)
    return fields


def _eqf_level(node: dict[str, Any], checks: _Checks) -> int | None:
    concept = _first(node.get("eqfLevel") or node.get("EQFLevel"))
    if not concept:
        return None
    try:
        return codes.eqf_level_from_uri(node_id(concept))
    except codes.UnknownCodeError as error:
        checks.error("eqfLevel", error)
        return None


def _instant(value: Any, field: str, checks: _Checks) -> dt.datetime | None:
    """An xsd:dateTime; ELM times without an offset are taken as UTC (the EDC convention)."""
    try:
        return codes.parse_datetime(_first(value), default_tz=dt.UTC)
    except codes.InvalidDateError as error:
        checks.error(field, error)
        return None


def _offering(
    node: dict[str, Any], source_id: str, provider: str, specification: str, checks: _Checks
) -> OfferingRecord:
    if not specification:
        checks.add(
            "learningAchievementSpecification",
            MSG_MISSING,
            problem_code="missing",
            field="learningAchievementSpecification",
        )
    languages = [codes.normalise_language(node_id(item)) for item in _many(node.get("defaultLanguage"))]
    record = OfferingRecord(
        source=SOURCE,
        source_id=source_id,
        ref=checks.ref,
        programme_source_id=specification,
        provider_source_id=provider,
        title=elm_text(node.get("title")),
        description=elm_text(node.get("description")),
        teaching_languages=[language for language in dict.fromkeys(languages) if language],
        country=_country(node),
        duration=_duration(node.get("duration")),
        mode=_MODES.get(_concept_key(node.get("mode")), ""),
        pace=_SCHEDULES.get(_concept_key(node.get("learningSchedule")), ""),
        url=_url(node.get("homepage")),
        source_url=source_id if source_id.startswith("http") else _url(node.get("homepage")),
        source_modified=_instant(node.get("modified"), "modified", checks),
        application_windows=_deadlines(node, checks),
        raw=node,
    )
    _set_period(record, as_dict(_first(node.get("temporal"))), checks)
    return record


def _duration(value: Any) -> str:
    text = _first(value)
    return text if isinstance(text, str) and len(text) <= 20 and _ISO_DURATION.match(text) else ""


def _set_period(record: OfferingRecord, temporal: dict[str, Any], checks: _Checks) -> None:
    try:
        record.start_date = codes.parse_date(_first(temporal.get("startDate")))
        record.end_date = codes.parse_date(_first(temporal.get("endDate")))
    except codes.InvalidDateError as error:
        checks.error("temporal", error)
        return
    record.start_year = record.start_date.year if record.start_date else None
    if record.start_date and record.end_date and record.end_date < record.start_date:
        checks.add("temporal", MSG_END_BEFORE_START, start=str(record.start_date), end=str(record.end_date))


def _deadlines(node: dict[str, Any], checks: _Checks) -> list[ApplicationWindowRecord]:
    windows = []
    for deadline in _many(node.get("applicationDeadline")):
        closes = _instant(deadline, "applicationDeadline", checks)
        if closes:
            windows.append(ApplicationWindowRecord(closes=closes))
    return windows


# --- files --------------------------------------------------------------------------------------------------


def _starts_with_object(raw: IO[bytes]) -> bool:
    """Whether the first JSON token is `{` (any Unicode encoding); the stream is rewound afterwards."""
    head = raw.read(64)
    raw.seek(0)
    encoding = codes.sniff_unicode_encoding(head[:4])
    text = head.decode(encoding, errors="ignore").lstrip("\ufeff \t\r\n")
    return text.startswith("{")


def parse(path: Path) -> Iterator[ParsedItem]:
    """Records and Problems from an ELM v3 JSON-LD file."""
    try:
        handle = path.open("rb")
        size = path.stat().st_size
    except OSError as exc:
        yield Problem(ref=path.name, field="", message=MSG_CANNOT_OPEN, params={"error": exc.strerror or str(exc)})
        return
    with handle:
        yield from parse_stream(handle, name=path.name, size=size)


def parse_stream(raw: IO[bytes], *, name: str, size: int | None = None) -> Iterator[ParsedItem]:
    """`parse` for an open binary stream; `size` (bytes) enables the single-object size cap."""
    if size is not None and size > MAX_OBJECT_BYTES and raw.seekable() and _starts_with_object(raw):
        yield Problem(
            ref=name, field="", message=MSG_TOO_LARGE, params={"limit": MAX_OBJECT_BYTES // 2**20}, code="too_large"
        )
        return
    mapper = ElmMapper()
    failed = False
    for item in codes.iter_json_documents(raw, ref=name, split_keys=("@graph",)):
        if isinstance(item, Problem):
            failed = True
            yield item
        else:
            yield from mapper.map_document(item.value, item.path, scoped=not item.path.startswith("$.@graph"))
    yield from mapper.finish()
    if not failed and mapper.records_found == 0:
        yield Problem(ref=name, field="", message=MSG_NOTHING_FOUND, code="empty")
