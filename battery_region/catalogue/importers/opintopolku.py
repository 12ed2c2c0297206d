"""Opintopolku (Kouta/konfo) JSON → catalogue records.

Reads the documents Kouta's index and konfo-backend's `/external` API serve (reference/education-data.md §1):
`koulutus` → ProgrammeRecord, `toteutus` → OfferingRecord, `oppilaitos` → ProviderRecord, plus a
ProviderRecord for every named organisation a document refers to (tarjoajat, organisaatio, järjestyspaikka).
A file may hold one document, an array of documents, or a konfo search response (`{"total", "hits"}`) whose
hits are turned into koulutus/toteutus documents and mapped the same way.

There is exactly one mapping path: `KoutaMapper.map_document` is used both by `parse()` (files) and by the
harvester (documents fetched from konfo-backend), so a field is mapped identically whichever way it came.

Decisions (why):
- Providers: a toteutus's provider is its first `tarjoajat` entry, else its first `oppilaitokset` OID, else its
  owner `organisaatio` (the Kouta owner is the organisation that publishes it), else the koulutus's
  tarjoajat/organisaatio if that koulutus is in the same run. Only when none exists is a Problem reported.
- Levels: Kouta can list several EQF/NQF/ISCED levels (a bachelor+master programme has 6 and 7); the highest
  is kept because it is the level the programme leads to.
- ISCED-F: every field code of every tier (2-, 3- and 4-digit) is kept so broad-field filters match exactly.
- Credits: native value and unit; opintopisteet are FI_OP, osaamispisteet FI_OSP (never ECTS).
- Times without an offset are Finnish local time (Kouta stores Europe/Helsinki wall-clock times).
- Embedded toteutus *summaries* inside a koulutus index document (no `metadata`) are not offerings; full
  embedded documents (konfo `?toteutukset=true`, `?koulutus=true`) are mapped like top-level ones.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, TypeVar

from django.utils.translation import gettext_noop

from battery_region.catalogue.importers import codes
from battery_region.catalogue.importers.codes import as_dict, as_list
from battery_region.catalogue.importers.records import (
    ApplicationWindowRecord,
    OfferingRecord,
    ParsedItem,
    Problem,
    ProgrammeRecord,
    ProviderRecord,
    Text,
)

SOURCE = "fi-kouta"
KONFO_PAGE = "https://opintopolku.fi/konfo/{language}/{kind}/{oid}"

KOULUTUS_OID = re.compile(r"^1\.2\.246\.562\.13\.\d+$")
TOTEUTUS_OID = re.compile(r"^1\.2\.246\.562\.17\.\d+$")
ORGANISAATIO_OID = re.compile(r"^1\.2\.246\.562\.(10|99)\.\d+$")

MAX_CREDITS = Decimal("999999.9")  # Programme.credits_* are DecimalField(max_digits=7, decimal_places=1)

MSG_CANNOT_OPEN = gettext_noop("Cannot open the file: %(error)s")
MSG_NOT_OBJECT = gettext_noop("Expected a JSON object (a koulutus, toteutus or oppilaitos document).")
MSG_UNKNOWN_DOCUMENT = gettext_noop("Not a koulutus, toteutus or oppilaitos document.")
MSG_MISSING = gettext_noop("The required field %(field)s is missing.")
MSG_BAD_OID = gettext_noop("%(value)s is not a valid %(kind)s OID.")
MSG_DUPLICATE = gettext_noop("The OID %(oid)s appears twice in the file (first at %(first)s).")
MSG_NO_TITLE = gettext_noop("The name has no Finnish, Swedish or English text.")
MSG_NO_PROVIDER = gettext_noop(
    "No provider: the toteutus has no tarjoajat, oppilaitokset or organisaatio, and its koulutus gives none."
)
MSG_BAD_NUMBER = gettext_noop("%(value)s is not a valid number.")
MSG_CREDITS_RANGE = gettext_noop("The extent %(value)s is negative or too large.")
MSG_CREDITS_NO_UNIT = gettext_noop("The extent %(value)s has no unit.")
MSG_UNKNOWN_START_TYPE = gettext_noop("Unknown start type %(value)s.")
MSG_END_BEFORE_START = gettext_noop("The end %(end)s is before the start %(start)s.")
MSG_UNKNOWN_STATUS = gettext_noop("Unknown publication status %(value)s.")
MSG_OPENS_AFTER_CLOSES = gettext_noop("The application period closes (%(closes)s) before it opens (%(opens)s).")

_STATUSES = {"julkaistu": "published", "tallennettu": "draft", "arkistoitu": "archived", "poistettu": "archived"}
_START_TYPES = {
    "tarkka alkamisajankohta": "exact",
    "alkamiskausi ja -vuosi": "season",
    "henkilokohtainen suunnitelma": "individual",
}
# koulutustyyppi → Programme.Kind. Degrees and qualifications are named; study units are courses or modules.
_PROGRAMME_KINDS = {
    "amm": "qualification",
    "yo": "degree_programme",
    "amk": "degree_programme",
    "kk-opintojakso": "course",
    "kk-opintokokonaisuus": "module",
    "amm-tutkinnon-osa": "module",
    "amm-osaamisala": "module",
}
# Vocational (VET) types: the amm family and the VET preparatory types, but not amm-ope-erityisope-ja-opo
# (teacher education at universities of applied sciences).
_VOCATIONAL_TYPES = frozenset({"amm", "amm-tutkinnon-osa", "amm-osaamisala", "amm-muu", "telma", "tuva"})
# opetuspaikkakk codes seen in real data: _1 Lähiopetus (contact teaching), _3 Verkko-opetus (online).
_PRESENTIAL, _ONLINE = "1", "3"
_CONTINUOUS_HAKUTAPA = "03"  # hakutapa_03 Jatkuva haku (rolling admission)

T = TypeVar("T")


class _Checks:
    """Problems found while mapping one document; conversions that fail add a Problem and give None."""

    def __init__(self, ref: str) -> None:
        self.ref = ref
        self.problems: list[Problem] = []

    def add(self, field: str, message: str, /, *, problem_code: str = "invalid", **params: Any) -> None:
        self.problems.append(Problem(ref=self.ref, field=field, message=message, params=params, code=problem_code))

    def outcome(self, record: ParsedItem) -> list[ParsedItem]:
        """The record if the document had no problem, else only its problems (a half-valid record is dropped)."""
        return list(self.problems) if self.problems else [record]

    def convert(self, field: str, func: Callable[..., T], *args: Any) -> T | None:
        try:
            return func(*args)
        except (codes.UnknownCodeError, codes.InvalidDateError) as error:
            self.problems.append(codes.problem_from_error(error, ref=self.ref, field=field))
            return None


def document_kind(doc: dict[str, Any]) -> str | None:
    """Which Kouta document `doc` is, from its fields (the index and the API carry no explicit type)."""
    if "koulutusOid" in doc:
        return "toteutus"
    if "oppilaitosOid" in doc or isinstance(doc.get("oppilaitos"), dict) or "oppilaitostyyppi" in doc:
        return "oppilaitos"
    if isinstance(doc.get("koulutus"), dict) and "koulutukset" not in doc and "metadata" not in doc:
        return "koulutus-hit"
    if "koulutustyyppi" in doc or "koulutukset" in doc:
        return "koulutus"
    return None


def konfo_url(kind: str, oid: str, language: str = "fi") -> str:
    """The public Opintopolku page of a koulutus or toteutus."""
    return KONFO_PAGE.format(language=language, kind=kind, oid=oid)


def _page_language(doc: dict[str, Any]) -> str:
    """The first language the document is written in, so the link opens a page with its text."""
    for language in as_list(doc.get("kielivalinta")):
        if language in codes.TEXT_LANGUAGES:
            return str(language)
    return "fi"


def _koodi_uri(value: Any) -> Any:
    """The koodiUri of an expanded `{koodiUri, nimi}` code or a bare URI string."""
    return value.get("koodiUri") if isinstance(value, dict) else value


def _oid(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


class KoutaMapper:
    """Maps a stream of Kouta documents to records, remembering what one import run has already seen.

    State is kept per run because Kouta documents refer to each other: duplicates are reported, organisations
    are emitted once (an oppilaitos document wins over a mere reference, which is held back until `finish`),
    and a toteutus whose provider must come from its koulutus waits until the end of the run. `map_document`
    yields as it goes; call `finish` after the last document.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], str] = {}
        self._organisations: dict[str, ProviderRecord] = {}
        self._oppilaitos_documents: set[str] = set()
        self._koulutus_providers: dict[str, str] = {}
        self._waiting: list[tuple[dict[str, Any], str, Any]] = []

    # --- entry points --------------------------------------------------------------------------------------

    def map_document(self, doc: Any, ref: str, raw: Any = None) -> Iterator[ParsedItem]:
        """Records and Problems for one document (`ref` locates it in the file or API)."""
        if not isinstance(doc, dict):
            yield Problem(ref=ref, field="", message=MSG_NOT_OBJECT)
            return
        kind = document_kind(doc)
        if kind == "toteutus":
            yield from self.map_toteutus(doc, ref, raw)
        elif kind == "koulutus":
            yield from self.map_koulutus(doc, ref, raw)
        elif kind == "oppilaitos":
            yield from self.map_oppilaitos(doc, ref)
        elif kind == "koulutus-hit":
            yield from self._map_search_hit(doc, ref)
        else:
            yield Problem(ref=ref, field="", message=MSG_UNKNOWN_DOCUMENT, code="unknown_document")

    def finish(self) -> Iterator[ParsedItem]:
        """Offerings that waited for their koulutus, then every organisation referred to in the run."""
        waiting, self._waiting = self._waiting, []
        for doc, ref, raw in waiting:
            koulutus_oid = _oid(doc.get("koulutusOid"))
            yield from self._offering(doc, ref, raw, self._koulutus_providers.get(koulutus_oid, ""))
        for oid, record in self._organisations.items():
            if oid not in self._oppilaitos_documents:
                yield record

    # --- koulutus ------------------------------------------------------------------------------------------

    def map_koulutus(self, doc: dict[str, Any], ref: str, raw: Any = None) -> Iterator[ParsedItem]:
        """A koulutus → ProgrammeRecord (+ its full embedded toteutukset)."""
        oid = _oid(doc.get("oid"))
        checks = _Checks(f"koulutus {oid}" if oid else ref)
        if not self._check_oid(checks, oid, KOULUTUS_OID, "koulutus", ref):
            yield from checks.problems
            return
        tarjoajat = self._register_organisations(doc)
        provider = tarjoajat[0] if tarjoajat else _oid(as_dict(doc.get("organisaatio")).get("oid"))
        if provider:
            self._koulutus_providers[oid] = provider
        else:
            checks.add("tarjoajat", MSG_MISSING, problem_code="missing", field="tarjoajat")
        record = self._programme(doc, oid, provider, checks, raw)
        yield from checks.outcome(record)
        for index, toteutus in enumerate(as_list(doc.get("toteutukset"))):
            if isinstance(toteutus, dict) and isinstance(toteutus.get("metadata"), dict):
                yield from self.map_toteutus({"koulutusOid": oid, **toteutus}, f"{ref}.toteutukset[{index}]")

    def _programme(self, doc: dict[str, Any], oid: str, provider: str, checks: _Checks, raw: Any) -> ProgrammeRecord:
        metadata = as_dict(doc.get("metadata"))
        koulutustyyppi = str(doc.get("koulutustyyppi") or metadata.get("tyyppi") or "")
        title = codes.text_from_map(doc.get("nimi"))
        if not title:
            checks.add("nimi", MSG_NO_TITLE, problem_code="missing")
        record = ProgrammeRecord(
            source=SOURCE,
            source_id=oid,
            ref=checks.ref,
            title=title,
            provider_source_id=provider,
            description=codes.text_from_map(metadata.get("kuvaus")),
            learning_outcomes=codes.text_from_map(metadata.get("osaamistavoitteet")),
            qualification_title=_joined_names(metadata.get("tutkintonimike")),
            kind=_PROGRAMME_KINDS.get(koulutustyyppi, "programme"),
            national_type=koulutustyyppi,
            national_code=_national_codes(doc),
            is_vocational=koulutustyyppi in _VOCATIONAL_TYPES,
            leads_to_qualification=doc.get("johtaaTutkintoon") is True,
            isced_fields=_isced_fields(doc, checks),
            isced_level=_isced_level(doc, checks),
            eqf_level=_highest_level(doc.get("eqf"), "eqf", checks),
            source_url=konfo_url("koulutus", oid),
            source_modified=checks.convert("modified", codes.parse_datetime, doc.get("modified")),
            published=doc.get("tila", "julkaistu") == "julkaistu",
            raw=raw if raw is not None else doc,
        )
        record.nqf_level = _highest_level(doc.get("nqf"), "nqf", checks)
        record.nqf_framework = "FiNQF" if record.nqf_level else ""
        _set_credits(record, metadata, checks)
        return record

    # --- toteutus ------------------------------------------------------------------------------------------

    def map_toteutus(self, doc: dict[str, Any], ref: str, raw: Any = None) -> Iterator[ParsedItem]:
        """A toteutus → OfferingRecord (its embedded koulutus, if any, first)."""
        koulutus = doc.get("koulutus")
        if isinstance(koulutus, dict) and isinstance(koulutus.get("metadata"), dict):
            yield from self.map_koulutus(koulutus, f"{ref}.koulutus")
        oid = _oid(doc.get("oid"))
        checks = _Checks(f"toteutus {oid}" if oid else ref)
        if not self._check_oid(checks, oid, TOTEUTUS_OID, "toteutus", ref):
            yield from checks.problems
            return
        self._register_organisations(doc)
        provider = self._toteutus_provider(doc) or self._koulutus_providers.get(_oid(doc.get("koulutusOid")), "")
        if not provider:
            self._waiting.append((doc, checks.ref, raw))  # its koulutus may still come later in the run
            return
        yield from self._offering(doc, checks.ref, raw, provider)

    @staticmethod
    def _toteutus_provider(doc: dict[str, Any]) -> str:
        """First tarjoaja, else first oppilaitos, else the owner organisation ("" if none)."""
        candidates = [t.get("oid") if isinstance(t, dict) else t for t in as_list(doc.get("tarjoajat"))]
        candidates += as_list(doc.get("oppilaitokset"))
        candidates.append(as_dict(doc.get("organisaatio")).get("oid"))
        return next((_oid(oid) for oid in candidates if _oid(oid)), "")

    def _offering(self, doc: dict[str, Any], ref: str, raw: Any, provider: str) -> Iterator[ParsedItem]:
        checks = _Checks(ref)
        oid = _oid(doc.get("oid"))
        koulutus_oid = _oid(doc.get("koulutusOid"))
        if not KOULUTUS_OID.match(koulutus_oid):
            checks.add("koulutusOid", MSG_BAD_OID, value=str(doc.get("koulutusOid")), kind="koulutus")
        if not provider:
            checks.add("tarjoajat", MSG_NO_PROVIDER, problem_code="missing")
        metadata = as_dict(doc.get("metadata"))
        opetus = as_dict(metadata.get("opetus"))
        place = self._organisations.get(provider)
        status = _STATUSES.get(str(doc.get("tila", "julkaistu")))
        if status is None:
            checks.add("tila", MSG_UNKNOWN_STATUS, value=str(doc.get("tila")))
        record = OfferingRecord(
            source=SOURCE,
            source_id=oid,
            ref=ref,
            programme_source_id=koulutus_oid,
            provider_source_id=provider,
            title=codes.text_from_map(doc.get("nimi")),
            description=codes.text_from_map(metadata.get("kuvaus")),
            teaching_languages=_teaching_languages(opetus, checks),
            country="FI",
            region=place.region if place else "",
            municipality_code=place.municipality_code if place else "",
            place_name=_place_name(doc, provider),
            duration=_duration(opetus),
            mode=_mode(opetus),
            status=status or "published",
            url=konfo_url("toteutus", oid, _page_language(doc)),
            source_url=konfo_url("toteutus", oid),
            source_modified=checks.convert("modified", codes.parse_datetime, doc.get("modified")),
            application_windows=_application_windows(doc, metadata, checks),
            places=_places(doc, metadata),
            raw=raw if raw is not None else doc,
        )
        _set_start(record, doc, opetus, checks)
        _set_fee(record, opetus, checks)
        yield from checks.outcome(record)

    # --- oppilaitos and organisations ----------------------------------------------------------------------

    def map_oppilaitos(self, doc: dict[str, Any], ref: str) -> Iterator[ParsedItem]:
        """An oppilaitos → ProviderRecord with its description and web site; its units are registered too."""
        oid = _oid(doc.get("oid") or doc.get("oppilaitosOid"))
        checks = _Checks(f"oppilaitos {oid}" if oid else ref)
        if not self._check_oid(checks, oid, ORGANISAATIO_OID, "organisaatio", ref):
            yield from checks.problems
            return
        details = as_dict(doc.get("oppilaitos"))
        organisaatio = as_dict(details.get("organisaatio"))
        record = self._provider(
            oid, doc.get("nimi") or organisaatio.get("nimi"), doc.get("kotipaikka") or organisaatio.get("paikkakunta")
        )
        if record is None or not record.name:
            checks.add("nimi", MSG_NO_TITLE, problem_code="missing")
            yield from checks.problems
            return
        _add_oppilaitos_details(record, as_dict(details.get("metadata")))
        record.ref, record.raw = checks.ref, doc
        for osa in as_list(doc.get("osat")):
            self._register(as_dict(osa).get("oid"), as_dict(osa).get("nimi"), as_dict(osa).get("kotipaikka"))
        self._oppilaitos_documents.add(oid)
        self._organisations[oid] = record
        yield record

    def _register_organisations(self, doc: dict[str, Any]) -> list[str]:
        """Register every named organisation the document refers to; return the tarjoaja OIDs in order."""
        tarjoajat: list[str] = []
        for tarjoaja in as_list(doc.get("tarjoajat")):
            if isinstance(tarjoaja, dict):
                self._register(tarjoaja.get("oid"), tarjoaja.get("nimi"), tarjoaja.get("paikkakunta"))
                if _oid(tarjoaja.get("oid")):
                    tarjoajat.append(_oid(tarjoaja.get("oid")))
            elif _oid(tarjoaja):
                tarjoajat.append(_oid(tarjoaja))
        organisaatio = as_dict(doc.get("organisaatio"))
        self._register(organisaatio.get("oid"), organisaatio.get("nimi"), organisaatio.get("paikkakunta"))
        for hakukohde in _hakukohteet(doc):
            paikka = as_dict(hakukohde.get("jarjestyspaikka"))
            self._register(paikka.get("oid"), paikka.get("nimi"), paikka.get("paikkakunta"))
        return tarjoajat

    def _register(self, oid: Any, nimi: Any, paikkakunta: Any) -> None:
        oid = _oid(oid)
        if not oid or oid in self._organisations or not ORGANISAATIO_OID.match(oid):
            return
        record = self._provider(oid, nimi, paikkakunta)
        if record is not None and record.name:
            self._organisations[oid] = record

    @staticmethod
    def _provider(oid: str, nimi: Any, paikkakunta: Any) -> ProviderRecord | None:
        name = codes.text_from_map(nimi)
        record = ProviderRecord(
            source=SOURCE,
            source_id=oid,
            ref=f"organisaatio {oid}",
            name=name,
            country="FI",
            raw={"oid": oid, "nimi": nimi, "paikkakunta": paikkakunta},
        )
        try:
            kunta = codes.kunta_code(_koodi_uri(paikkakunta)) if paikkakunta else ""
        except codes.UnknownCodeError:
            kunta = ""  # an unreadable home municipality only loses the place, not the organisation
        if kunta:
            record.municipality_code = codes.fi_municipality_code(kunta)
            record.region = codes.fi_region_for_kunta(kunta)
        return record

    # --- shared checks -------------------------------------------------------------------------------------

    def _check_oid(self, checks: _Checks, oid: str, pattern: re.Pattern[str], kind: str, ref: str) -> bool:
        if not oid:
            checks.add("oid", MSG_MISSING, problem_code="missing", field="oid")
            return False
        if not pattern.match(oid):
            checks.add("oid", MSG_BAD_OID, value=oid, kind=kind)
            return False
        key = (kind, oid)
        if key in self._seen:
            checks.add("oid", MSG_DUPLICATE, problem_code="duplicate", oid=oid, first=self._seen[key])
            return False
        self._seen[key] = ref
        return True

    # --- konfo search hits ---------------------------------------------------------------------------------

    def _map_search_hit(self, hit: dict[str, Any], ref: str) -> Iterator[ParsedItem]:
        """A konfo search hit is a koulutus summary with toteutus summaries: map them as Kouta documents."""
        koulutus, toteutukset = koulutus_from_search_hit(hit)
        yield from self.map_koulutus(koulutus, ref, raw=hit)
        for index, (toteutus, summary) in enumerate(toteutukset):
            yield from self.map_toteutus(toteutus, f"{ref}.toteutukset[{index}]", raw=summary)


def koulutus_from_search_hit(hit: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[dict[str, Any], Any]]]:
    """Reshape a konfo `toteutukset-koulutuksittain` hit into a koulutus and toteutus documents (+ originals).

    The search response summarises (`koulutus` is one code, the extent sits at the top, toteutukset carry only
    name, oppilaitos and municipalities), so the reshaped documents hold exactly that and nothing invented.
    """
    toteutukset: list[tuple[dict[str, Any], Any]] = []
    tarjoajat: list[dict[str, Any]] = []
    for summary in as_list(hit.get("toteutukset")):
        summary = as_dict(summary)
        kunnat = as_list(summary.get("kunnat"))
        tarjoaja = {"oid": summary.get("oppilaitosOid"), "nimi": summary.get("oppilaitosNimi")}
        if kunnat:
            tarjoaja["paikkakunta"] = kunnat[0]
        if tarjoaja["oid"] and all(t["oid"] != tarjoaja["oid"] for t in tarjoajat):
            tarjoajat.append(tarjoaja)
        toteutus = {
            "oid": summary.get("toteutusOid"),
            "koulutusOid": hit.get("oid"),
            "nimi": summary.get("toteutusNimi"),
            "tarjoajat": [tarjoaja] if tarjoaja["oid"] else [],
            "kielivalinta": hit.get("kielivalinta"),
        }
        toteutukset.append((toteutus, summary))
    koulutus = {
        key: hit.get(key) for key in ("oid", "nimi", "kielivalinta", "koulutustyyppi", "organisaatio", "ePerusteId")
    }
    koulutus["koulutukset"] = [hit["koulutus"]] if isinstance(hit.get("koulutus"), dict) else []
    koulutus["tarjoajat"] = tarjoajat
    koulutus["metadata"] = {
        "kuvaus": hit.get("kuvaus"),
        "tutkintonimike": hit.get("tutkintonimikkeet"),
        "opintojenLaajuusNumero": hit.get("opintojenLaajuusNumero"),
        "opintojenLaajuusyksikko": hit.get("opintojenLaajuusyksikko"),
    }
    return koulutus, toteutukset


# --- field mappers (pure) -----------------------------------------------------------------------------------


def _joined_names(items: Any) -> Text:
    """Names of expanded codes joined per language ("Yhteiskuntatieteiden maisteri; …")."""
    parts: dict[str, list[str]] = {}
    for item in as_list(items):
        for language, name in codes.text_from_map(as_dict(item).get("nimi")).items():
            parts.setdefault(language, []).append(name)
    return {language: "; ".join(names) for language, names in parts.items()}


def _national_codes(doc: dict[str, Any]) -> str:
    """The Statistics Finland education codes (`koulutus_384446#7` → "384446"), comma-separated."""
    values: list[str] = []
    uris = [_koodi_uri(item) for item in as_list(doc.get("koulutukset"))]
    uris += as_list(doc.get("koulutuksetKoodiUri"))
    for uri in uris:
        koodi = codes.parse_koodi_uri(uri)
        if koodi and koodi.koodisto == "koulutus" and koodi.value not in values:
            values.append(koodi.value)
    return ",".join(values)[:100]


def _field_uris(doc: dict[str, Any]) -> list[tuple[str, Any]]:
    metadata = as_dict(doc.get("metadata"))
    uris = [("metadata.koulutusala", _koodi_uri(item)) for item in as_list(metadata.get("koulutusala"))]
    uris += [("metadata.koulutusalaKoodiUrit", uri) for uri in as_list(metadata.get("koulutusalaKoodiUrit"))]
    for entry in as_list(doc.get("koulutuskoodienAlatJaAsteet")):
        uris += [("koulutuskoodienAlatJaAsteet", uri) for uri in as_list(as_dict(entry).get("koulutusalaKoodiUrit"))]
    return uris


def _isced_fields(doc: dict[str, Any], checks: _Checks) -> list[str]:
    fields: set[str] = set()
    for field, uri in _field_uris(doc):
        code = checks.convert(field, codes.isced_f_from_koodi, uri)
        if code:
            fields.add(code)
    return sorted(fields)


def _isced_level(doc: dict[str, Any], checks: _Checks) -> int | None:
    levels: list[int] = []
    for entry in as_list(doc.get("koulutuskoodienAlatJaAsteet")):
        for uri in as_list(as_dict(entry).get("koulutusasteKoodiUrit")):
            level = checks.convert("koulutuskoodienAlatJaAsteet", codes.isced_level_from_koodi, uri)
            if level is not None:
                levels.append(level)
    return max(levels, default=None)


def _highest_level(items: Any, koodisto: str, checks: _Checks) -> int | None:
    levels = [checks.convert(koodisto, codes.level_from_koodi, _koodi_uri(item), koodisto) for item in as_list(items)]
    return max((level for level in levels if level is not None), default=None)


def _credit_number(value: Any, field: str, checks: _Checks) -> Decimal | None:
    try:
        number = codes.to_decimal(value)
    except ValueError:
        checks.add(field, MSG_BAD_NUMBER, value=str(value))
        return None
    if number is not None and not Decimal(0) <= number <= MAX_CREDITS:
        checks.add(field, MSG_CREDITS_RANGE, problem_code="out_of_range", value=str(value))
        return None
    return number


def _set_credits(record: ProgrammeRecord, metadata: dict[str, Any], checks: _Checks) -> None:
    """Extent value(s) and unit: `opintojenLaajuusNumero` (or …Min/…Max) + `opintojenLaajuusyksikko`."""
    prefix = "metadata.opintojenLaajuus"
    value = _credit_number(metadata.get("opintojenLaajuusNumero"), prefix + "Numero", checks)
    low = _credit_number(metadata.get("opintojenLaajuusNumeroMin"), prefix + "NumeroMin", checks)
    high = _credit_number(metadata.get("opintojenLaajuusNumeroMax"), prefix + "NumeroMax", checks)
    unit = _koodi_uri(metadata.get("opintojenLaajuusyksikko")) or metadata.get("opintojenLaajuusyksikkoKoodiUri")
    if value is None and low is None and high is None:
        return
    if not unit:
        checks.add(prefix + "yksikko", MSG_CREDITS_NO_UNIT, problem_code="missing", value=str(value or low or high))
        return
    system = checks.convert(prefix + "yksikko", codes.credit_system_from_koodi, unit)
    if system is None:
        return  # a known unit without a catalogue credit system (e.g. kurssia): keep only the raw record
    record.credits_value, record.credits_min, record.credits_max = value, low, high
    record.credits_system = system.value


def _teaching_languages(opetus: dict[str, Any], checks: _Checks) -> list[str]:
    uris = [_koodi_uri(item) for item in as_list(opetus.get("opetuskieli"))]
    uris += as_list(opetus.get("opetuskieliKoodiUrit"))
    languages: list[str] = []
    for uri in uris:
        for language in checks.convert("metadata.opetus.opetuskieli", codes.teaching_languages_from_koodi, uri) or []:
            if language not in languages:
                languages.append(language)
    return languages


def _place_name(doc: dict[str, Any], provider: str) -> str:
    """The municipality name of the providing tarjoaja (or owner) as written in the document."""
    candidates = [as_dict(t) for t in as_list(doc.get("tarjoajat"))] + [as_dict(doc.get("organisaatio"))]
    for organisation in candidates:
        if _oid(organisation.get("oid")) == provider:
            return codes.first_text(codes.text_from_map(as_dict(organisation.get("paikkakunta")).get("nimi")))
    return ""


def _duration(opetus: dict[str, Any]) -> str:
    """Planned duration as ISO 8601 (`suunniteltuKestoVuodet` 2, `…Kuukaudet` 0 → "P2Y")."""
    years, months = opetus.get("suunniteltuKestoVuodet"), opetus.get("suunniteltuKestoKuukaudet")
    years = years if isinstance(years, int) and not isinstance(years, bool) and 0 < years < 100 else 0
    months = months if isinstance(months, int) and not isinstance(months, bool) and 0 < months < 1200 else 0
    if not years and not months:
        return ""
    return "P" + (f"{years}Y" if years else "") + (f"{months}M" if months else "")


def _mode(opetus: dict[str, Any]) -> str:
    values = set()
    for item in as_list(opetus.get("opetustapa")) + as_list(opetus.get("opetustapaKoodiUrit")):
        koodi = codes.parse_koodi_uri(_koodi_uri(item))
        if koodi and koodi.koodisto == "opetuspaikkakk":
            values.add(koodi.value)
    if _PRESENTIAL in values and _ONLINE in values:
        return "blended"
    if _PRESENTIAL in values:
        return "presential"
    return "online" if _ONLINE in values else ""


def _alkamiskausi(doc: dict[str, Any], opetus: dict[str, Any]) -> dict[str, Any]:
    """The start information: the toteutus's own, else the one its haku/hakukohde gives."""
    own = as_dict(opetus.get("koulutuksenAlkamiskausi"))
    if own.get("alkamiskausityyppi"):
        return own
    for hakutieto in as_list(doc.get("hakutiedot")):
        kausi = as_dict(as_dict(hakutieto).get("koulutuksenAlkamiskausi"))
        if kausi.get("alkamiskausityyppi"):
            return kausi
    for hakukohde in _hakukohteet(doc):
        kausi = as_dict(as_dict(hakukohde.get("metadata")).get("koulutuksenAlkamiskausi"))
        if kausi.get("alkamiskausityyppi"):
            return kausi
    return {}


def _set_start(record: OfferingRecord, doc: dict[str, Any], opetus: dict[str, Any], checks: _Checks) -> None:
    kausi = _alkamiskausi(doc, opetus)
    kind = kausi.get("alkamiskausityyppi")
    field = "metadata.opetus.koulutuksenAlkamiskausi"
    if not kind:
        if any(window.continuous for window in record.application_windows):
            record.start_precision = "continuous"
        return
    precision = _START_TYPES.get(str(kind))
    if precision is None:
        checks.add(field + ".alkamiskausityyppi", MSG_UNKNOWN_START_TYPE, problem_code="unknown", value=str(kind))
        return
    record.start_precision = precision
    if precision == "exact":
        record.start_date = checks.convert(field, codes.parse_date, kausi.get("koulutuksenAlkamispaivamaara"))
        record.end_date = checks.convert(field, codes.parse_date, kausi.get("koulutuksenPaattymispaivamaara"))
        record.start_year = record.start_date.year if record.start_date else None
        if record.start_date and record.end_date and record.end_date < record.start_date:
            checks.add(field, MSG_END_BEFORE_START, start=str(record.start_date), end=str(record.end_date))
    elif precision == "season":
        season = kausi.get("koulutuksenAlkamiskausi") or kausi.get("koulutuksenAlkamiskausiKoodiUri")
        record.start_season = checks.convert(field, codes.season_from_koodi, _koodi_uri(season)) or ""
        record.start_year = checks.convert(field, codes.parse_year, kausi.get("koulutuksenAlkamisvuosi"))


def _set_fee(record: OfferingRecord, opetus: dict[str, Any], checks: _Checks) -> None:
    """Fees in euros: `maksut[]` (current model) or `maksullisuustyyppi` + `maksunMaara` (before V130)."""
    maksut = [as_dict(m) for m in as_list(opetus.get("maksut"))]
    if not maksut and opetus.get("maksullisuustyyppi"):
        maksut = [{"maksullisuustyyppi": opetus.get("maksullisuustyyppi"), "maksunMaara": opetus.get("maksunMaara")}]
    for maksu in maksut:
        if maksu.get("maksullisuustyyppi") == "maksuton":
            amount: Decimal | None = Decimal(0)
        else:
            amount = _credit_number(maksu.get("maksunMaara"), "metadata.opetus.maksut", checks)
        if amount is not None and (record.fee_amount is None or amount > record.fee_amount):
            record.fee_amount, record.fee_currency = amount, "EUR"


def _hakukohteet(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Application options: embedded in index `hakutiedot`, or the external API's `hakukohteet`."""
    found = [as_dict(h) for h in as_list(doc.get("hakukohteet"))]
    for hakutieto in as_list(doc.get("hakutiedot")):
        found += [as_dict(h) for h in as_list(as_dict(hakutieto).get("hakukohteet"))]
    return found


def _places(doc: dict[str, Any], metadata: dict[str, Any]) -> int | None:
    candidates = [metadata.get("aloituspaikat")]
    for hakukohde in _hakukohteet(doc):
        places = hakukohde.get("aloituspaikat")
        candidates.append(as_dict(places).get("lukumaara") if isinstance(places, dict) else places)
    for value in candidates:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1_000_000:
            return value
    return None


def _window(
    period: dict[str, Any], link: Any, requirements: Text, continuous: bool, checks: _Checks, field: str
) -> ApplicationWindowRecord | None:
    opens = checks.convert(field, codes.parse_datetime, period.get("alkaa"))
    closes = checks.convert(field, codes.parse_datetime, period.get("paattyy"))
    if opens and closes and closes < opens:
        checks.add(field, MSG_OPENS_AFTER_CLOSES, opens=str(opens), closes=str(closes))
        return None
    if opens is None and closes is None and not continuous:
        return None
    url = codes.first_text(codes.text_from_map(link))
    return ApplicationWindowRecord(
        opens=opens, closes=closes, continuous=continuous, url=url[:500], entry_requirements=requirements
    )


def _application_windows(
    doc: dict[str, Any], metadata: dict[str, Any], checks: _Checks
) -> list[ApplicationWindowRecord]:
    """Application periods of every hakukohde, or the toteutus's own `hakuaika` when it has no hakukohteet."""
    windows: list[ApplicationWindowRecord] = []
    groups = [(as_dict(t), as_list(as_dict(t).get("hakukohteet"))) for t in as_list(doc.get("hakutiedot"))]
    groups.append(({}, as_list(doc.get("hakukohteet"))))
    for hakutieto, hakukohteet in groups:
        hakutapa = codes.parse_koodi_uri(_koodi_uri(hakutieto.get("hakutapa")))
        continuous = bool(hakutapa and hakutapa.value == _CONTINUOUS_HAKUTAPA)
        for hakukohde in map(as_dict, hakukohteet):
            requirements = _joined_names(hakukohde.get("pohjakoulutusvaatimus"))
            periods = [as_dict(p) for p in as_list(hakukohde.get("hakuajat"))] or [{}]
            for period in periods:
                window = _window(
                    period, hakukohde.get("hakulomakeLinkki"), requirements, continuous, checks, "hakuajat"
                )
                if window:
                    windows.append(window)
    hakuaika = as_dict(metadata.get("hakuaika"))
    if hakuaika and not windows:
        window = _window(hakuaika, metadata.get("hakulomakeLinkki"), {}, False, checks, "metadata.hakuaika")
        if window:
            windows.append(window)
    return windows


def _add_oppilaitos_details(record: ProviderRecord, metadata: dict[str, Any]) -> None:
    record.description = codes.text_from_map(metadata.get("esittely"))
    www = as_dict(as_dict(metadata.get("wwwSivu")).get("url")) or as_dict(
        as_dict(metadata.get("yhteystiedot")).get("www")
    )
    website = codes.first_text(codes.text_from_map(www), ("en", "fi", "sv"))
    if website.startswith(("http://", "https://")) and len(website) <= 200:  # Organisation.website max length
        record.website = website


# --- files --------------------------------------------------------------------------------------------------


def parse(path: Path) -> Iterator[ParsedItem]:
    """Records and Problems from an Opintopolku JSON file (streamed: memory is bounded by one document)."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield Problem(ref=path.name, field="", message=MSG_CANNOT_OPEN, params={"error": exc.strerror or str(exc)})
        return
    with handle:
        yield from parse_stream(handle, name=path.name)


def parse_stream(raw: IO[bytes], *, name: str) -> Iterator[ParsedItem]:
    """`parse` for an open binary stream (`name` is used in Problem refs for file-level errors)."""
    mapper = KoutaMapper()
    for item in codes.iter_json_documents(raw, ref=name, split_keys=("hits",)):
        if isinstance(item, Problem):
            yield item
        else:
            yield from mapper.map_document(item.value, item.path)
    yield from mapper.finish()


def modified_at(doc: dict[str, Any]) -> dt.datetime | None:
    """When a Kouta document was last changed (None if absent or unreadable), for incremental harvests."""
    try:
        return codes.parse_datetime(doc.get("modified"))
    except codes.InvalidDateError:
        return None
