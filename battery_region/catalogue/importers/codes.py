"""Shared code normalisation for the parsers and harvesters (Opintopolku, Susa-navet, ELM, spreadsheets).

Every source names the same things differently: languages as `fin`, `fi`, `FIN` or an EU authority URI;
Finnish code lists as koodisto URIs (`kunta_564#2`); levels as `eqf_6` or `…/snb/eqf/6`. The writer must see
one normalised form (`records.py`), so the mapping lives here once and every parser uses it.

Conventions of this module:
- functions are pure and never touch the database;
- a value that is *absent* gives None (or an empty result); a value that is present but *not understood*
  raises `UnknownCodeError` or `InvalidDateError`, so the caller can yield a `Problem` naming its own field
  (`problem_from_error` builds that Problem with a translatable message);
- nothing here knows about one source's document structure; that stays in the parser.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import IO, Any, NamedTuple
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_noop

from battery_region.catalogue.credits import CreditSystem
from battery_region.catalogue.importers import json_stream
from battery_region.catalogue.importers.json_stream import JsonDocument
from battery_region.catalogue.importers.records import Problem, Text

TEXT_LANGUAGES = ("fi", "sv", "en")
MIN_YEAR = 1900
MAX_YEAR = 2100
FINLAND = ZoneInfo("Europe/Helsinki")


# --- errors -------------------------------------------------------------------------------------------------


class UnknownCodeError(ValueError):
    """A code is present but not one we know; the caller turns it into a Problem naming its field."""

    def __init__(self, code: object, kind: str = "code") -> None:
        self.code = str(code)
        self.kind = kind
        super().__init__(f"unknown {kind} {self.code!r}")


class InvalidDateError(ValueError):
    """A date/time is unreadable (`reason="format"`) or outside MIN_YEAR..MAX_YEAR (`reason="range"`)."""

    def __init__(self, value: object, reason: str) -> None:
        self.value = str(value)
        self.reason = reason
        super().__init__(f"invalid date {self.value!r} ({reason})")


MSG_UNKNOWN_CODE = gettext_noop("Unknown code %(code)s.")
MSG_DATE_FORMAT = gettext_noop("Cannot read the date %(value)s.")
MSG_DATE_RANGE = gettext_noop("The date %(value)s is outside the years %(min)s–%(max)s.")


def problem_from_error(error: UnknownCodeError | InvalidDateError, *, ref: str, field: str) -> Problem:
    """The Problem for a normalisation error, with a translatable message and its parameters."""
    if isinstance(error, UnknownCodeError):
        return Problem(ref=ref, field=field, message=MSG_UNKNOWN_CODE, params={"code": error.code}, code="unknown")
    if error.reason == "range":
        return Problem(
            ref=ref,
            field=field,
            message=MSG_DATE_RANGE,
            params={"value": error.value, "min": MIN_YEAR, "max": MAX_YEAR},
            code="out_of_range",
        )
    return Problem(ref=ref, field=field, message=MSG_DATE_FORMAT, params={"value": error.value})


# --- languages ----------------------------------------------------------------------------------------------

# ISO 639-1, 639-2/B, 639-2/T and the EU Publications Office authority codes (upper-case 639-2/T) of the
# languages the platform meets. Keys are lower-case.
_LANGUAGE_ALIASES: dict[str, str] = {
    "fi": "fi",
    "fin": "fi",
    "sv": "sv",
    "swe": "sv",
    "en": "en",
    "eng": "en",
    "se": "se",
    "sme": "se",
    "no": "no",
    "nor": "no",
    "nb": "no",
    "nob": "no",
    "nn": "no",
    "nno": "no",
    "de": "de",
    "deu": "de",
    "ger": "de",
}


def normalise_language(value: str | None) -> str | None:
    """The ISO 639-1 code for a language code in any common spelling, or None if unknown.

    Accepts `fi`, `FIN`, `fin`, `fi-FI`, `sv_SE` and EU authority URIs such as
    `http://publications.europa.eu/resource/authority/language/SWE`. Sources mix these (Susa uses `swe`,
    Kouta `fi`, ELM URIs), and the catalogue stores only 639-1 codes.
    """
    return _normalise_language(value) if value and isinstance(value, str) else None


@lru_cache(maxsize=1024)  # a handful of spellings recur in every document
def _normalise_language(value: str) -> str | None:
    code = value.strip().rstrip("/").rsplit("/", 1)[-1]
    code = re.split(r"[-_]", code, maxsplit=1)[0].lower()
    return _LANGUAGE_ALIASES.get(code)


def text_from_pairs(pairs: Iterable[tuple[str | None, object]]) -> Text:
    """A catalogue text dict {"fi","sv","en"} from (language, value) pairs in any language spelling.

    Only Finnish, Swedish and English are kept (the translated columns); the first non-empty value per
    language wins; values are kept as given (HTML is sanitised on display, not here).
    """
    text: Text = {}
    for language, value in pairs:
        code = normalise_language(language)
        if code in TEXT_LANGUAGES and isinstance(value, str) and value.strip() and code not in text:
            text[code] = value
    return text


def text_from_map(value: object) -> Text:
    """A text dict from a language map such as Kouta's `{"fi": "…", "sv": "…"}` (non-dicts give {})."""
    if not isinstance(value, Mapping):
        return {}
    return text_from_pairs((str(key), item) for key, item in value.items())


def first_text(text: Text, order: Iterable[str] = TEXT_LANGUAGES) -> str:
    """The first non-empty value of a text dict in `order`, for single-language fields such as place names."""
    for code in order:
        if text.get(code):
            return text[code]
    return ""


# --- Opintopolku koodisto URIs ------------------------------------------------------------------------------


class KoodiUri(NamedTuple):
    """A parsed koodisto URI: `kunta_564#2` is KoodiUri("kunta", "564", 2)."""

    koodisto: str
    value: str
    version: int | None


_KOODI_URI_RE = re.compile(r"^([a-z][a-z0-9]*)_([^#\s]+)(?:#(\d{1,6}))?$", re.IGNORECASE)


def parse_koodi_uri(uri: object) -> KoodiUri | None:
    """Split an Opintopolku koodiUri into koodisto, value and version; None if it is not one."""
    return _parse_koodi_uri(uri) if isinstance(uri, str) else None


@lru_cache(maxsize=8192)  # codes (languages, municipalities, levels) recur in every document
def _parse_koodi_uri(uri: str) -> KoodiUri | None:
    match = _KOODI_URI_RE.match(uri.strip())
    if not match:
        return None
    version = int(match.group(3)) if match.group(3) else None
    return KoodiUri(match.group(1).lower(), match.group(2), version)


def _expect_koodi(uri: object, koodisto: str) -> KoodiUri:
    koodi = parse_koodi_uri(uri)
    if koodi is None or koodi.koodisto != koodisto:
        raise UnknownCodeError(uri, koodisto)
    return koodi


_FIELD_KOODISTO_RE = re.compile(r"^kansallinenkoulutusluokitus2016koulutusalataso([123])$")
_FIELD_DIGITS = {"1": 2, "2": 3, "3": 4}


def isced_f_from_koodi(uri: object) -> str | None:
    """The ISCED-F 2013 code of a Finnish field-of-education koodiUri, or None if it has no ISCED-F code.

    Statistics Finland's koulutusala 2016 classification uses the ISCED-F codes themselves (OPH's Europass
    converter relies on this), except OPH's own detailed additions: `XX18`/`XX28` are mapped to the ISCED
    inter-disciplinary code `XX88`, and `0820` has no ISCED-F counterpart (EuropassConversion.scala in
    Opetushallitus/kouta-external, see reference/education-data.md §1.7). Other koodistot that sit next to
    the field codes in Kouta (e.g. `okmohjauksenala_4`) are not ISCED-F and give None; a malformed field
    code raises UnknownCodeError.
    """
    koodi = parse_koodi_uri(uri)
    if koodi is None:
        raise UnknownCodeError(uri, "koulutusala")
    level = _FIELD_KOODISTO_RE.match(koodi.koodisto)
    if level is None:
        return None
    digits = _FIELD_DIGITS[level.group(1)]
    if not re.fullmatch(rf"\d{{{digits}}}", koodi.value):
        raise UnknownCodeError(uri, "koulutusala")
    code = koodi.value
    if digits == 4 and code == "0820":
        return None
    if digits == 4 and code[2:] in ("18", "28"):
        return code[:2] + "88"
    return code


def isced_level_from_koodi(uri: object) -> int | None:
    """The ISCED 2011 level of a `kansallinenkoulutusluokitus2016koulutusastetaso1_N` koodiUri.

    The Finnish level classification's first tier uses the ISCED 2011 level digits; 9 means "unknown" and
    gives None, as do the finer second-tier codes (they carry the same level in their first digit).
    """
    koodi = parse_koodi_uri(uri)
    if koodi is None or not koodi.koodisto.startswith("kansallinenkoulutusluokitus2016koulutusastetaso"):
        raise UnknownCodeError(uri, "koulutusaste")
    if koodi.koodisto.endswith("taso2"):
        return None
    if not re.fullmatch(r"[0-9]", koodi.value):
        raise UnknownCodeError(uri, "koulutusaste")
    level = int(koodi.value)
    return None if level == 9 else level


def level_from_koodi(uri: object, koodisto: str = "eqf") -> int:
    """The level 1–8 of an `eqf_N` or `nqf_N` koodiUri; anything else raises UnknownCodeError."""
    koodi = _expect_koodi(uri, koodisto)
    if not re.fullmatch(r"[1-8]", koodi.value):
        raise UnknownCodeError(uri, koodisto)
    return int(koodi.value)


def eqf_level_from_uri(uri: object) -> int:
    """The EQF level of an EU vocabulary URI `http://data.europa.eu/snb/eqf/N` (N 1–8)."""
    match = re.fullmatch(r"https?://data\.europa\.eu/snb/eqf/([1-8])", str(uri).strip())
    if match is None:
        raise UnknownCodeError(uri, "eqf")
    return int(match.group(1))


def isced_f_from_uri(uri: object) -> str:
    """The ISCED-F code of an EU vocabulary URI `http://data.europa.eu/snb/isced-f/NNNN` (2–4 digits)."""
    match = re.fullmatch(r"https?://data\.europa\.eu/snb/isced-f/(\d{2,4})", str(uri).strip())
    if match is None:
        raise UnknownCodeError(uri, "isced-f")
    return match.group(1)


# opintojenlaajuusyksikko (kouta-backend migration V95): _1 opintoviikko, _2 opintopiste, _3 vuosiviikkotunti,
# _4 kurssi, _5 tunti, _6 osaamispiste, _7 vuosi, _8 viikko. The old opintoviikko was 40 a full-time year, the
# same rate as CreditSystem.WEEKS. Units 3, 4 and 7 are school/lukio counts with no credit system in the
# catalogue: they map to None (credits stay empty, the raw record keeps them) rather than to a wrong system.
_CREDIT_UNITS: dict[str, CreditSystem | None] = {
    "1": CreditSystem.WEEKS,
    "2": CreditSystem.FI_OP,
    "3": None,
    "4": None,
    "5": CreditSystem.HOURS,
    "6": CreditSystem.FI_OSP,
    "7": None,
    "8": CreditSystem.WEEKS,
}


def credit_system_from_koodi(uri: object) -> CreditSystem | None:
    """The credit system of an `opintojenlaajuusyksikko_N` koodiUri (None for known units without one).

    Osaamispisteet (`_6`) stay FI_OSP: they measure competence, not workload, and are never ECTS.
    """
    koodi = _expect_koodi(uri, "opintojenlaajuusyksikko")
    if koodi.value not in _CREDIT_UNITS:
        raise UnknownCodeError(uri, "opintojenlaajuusyksikko")
    return _CREDIT_UNITS[koodi.value]


# oppilaitoksenopetuskieli: _1 fi, _2 sv, _3 fi+sv, _4 en, _5 Sámi (EuropassConversion.scala `langCodes`).
_TEACHING_LANGUAGES: dict[str, tuple[str, ...]] = {
    "1": ("fi",),
    "2": ("sv",),
    "3": ("fi", "sv"),
    "4": ("en",),
    "5": ("se",),
}


def teaching_languages_from_koodi(uri: object) -> list[str]:
    """The ISO 639-1 teaching languages of an `oppilaitoksenopetuskieli_N` koodiUri."""
    koodi = _expect_koodi(uri, "oppilaitoksenopetuskieli")
    if koodi.value not in _TEACHING_LANGUAGES:
        raise UnknownCodeError(uri, "oppilaitoksenopetuskieli")
    return list(_TEACHING_LANGUAGES[koodi.value])


_SEASONS = {"s": "autumn", "k": "spring"}  # syksy / kevät


def season_from_koodi(uri: object) -> str:
    """`kausi_s` → "autumn", `kausi_k` → "spring" (Offering.Season values)."""
    koodi = _expect_koodi(uri, "kausi")
    season = _SEASONS.get(koodi.value.lower())
    if season is None:
        raise UnknownCodeError(uri, "kausi")
    return season


# --- municipalities and regions -----------------------------------------------------------------------------

# Pohjois-Pohjanmaa (maakunta 17) = NUTS-3 FI1D9. Its 30 municipalities by Statistics Finland kunta code,
# from the municipality and regional classifications of Statistics Finland (Tilastokeskus, "Kunnat ja
# maakunnat" 2024, https://www.stat.fi/fi/luokitukset/kunta/ and /maakunta/) and Eurostat NUTS 2021
# (FI1D9 Pohjois-Pohjanmaa). Other municipalities are outside the project regions and get no region here.
NORTH_OSTROBOTHNIA_NUTS3 = "FI1D9"
NORTH_OSTROBOTHNIA_KUNTA: frozenset[str] = frozenset(
    {
        "009",  # Alavieska
        "069",  # Haapajärvi
        "071",  # Haapavesi
        "072",  # Hailuoto
        "139",  # Ii
        "208",  # Kalajoki
        "244",  # Kempele
        "305",  # Kuusamo
        "317",  # Kärsämäki
        "425",  # Liminka
        "436",  # Lumijoki
        "483",  # Merijärvi
        "494",  # Muhos
        "535",  # Nivala
        "563",  # Oulainen
        "564",  # Oulu
        "615",  # Pudasjärvi
        "625",  # Pyhäjoki
        "626",  # Pyhäjärvi
        "630",  # Pyhäntä
        "678",  # Raahe
        "691",  # Reisjärvi
        "746",  # Sievi
        "748",  # Siikajoki
        "785",  # Vaala
        "791",  # Siikalatva
        "832",  # Taivalkoski
        "859",  # Tyrnävä
        "889",  # Utajärvi
        "977",  # Ylivieska
    }
)


def kunta_code(uri: object) -> str:
    """The three-digit municipality number of a `kunta_NNN` koodiUri."""
    koodi = _expect_koodi(uri, "kunta")
    if not re.fullmatch(r"\d{3}", koodi.value):
        raise UnknownCodeError(uri, "kunta")
    return koodi.value


def fi_municipality_code(kunta: str) -> str:
    """The namespaced municipality code the catalogue stores, e.g. "FI-kunta:564"."""
    return f"FI-kunta:{kunta}"


def fi_region_for_kunta(kunta: str) -> str:
    """The NUTS-3 region of a Finnish municipality number where the project knows it, else ""."""
    return NORTH_OSTROBOTHNIA_NUTS3 if kunta in NORTH_OSTROBOTHNIA_KUNTA else ""


# --- countries ----------------------------------------------------------------------------------------------

_COUNTRIES = {"fin": "FI", "fi": "FI", "swe": "SE", "se": "SE", "nor": "NO", "no": "NO"}


def country_from_code(value: object) -> str:
    """The catalogue country (FI, SE, NO, or XX for any other) of an ISO alpha-2/alpha-3 code or EU URI.

    Organisation.country only distinguishes the countries of the partnership; the rest is "other".
    """
    if not isinstance(value, str) or not value.strip():
        return ""
    code = value.strip().rstrip("/").rsplit("/", 1)[-1].lower()
    return _COUNTRIES.get(code, "XX")


# --- dates --------------------------------------------------------------------------------------------------


def _check_year(year: int, value: object) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidDateError(value, "range")


def parse_date(value: object) -> dt.date | None:
    """A date from `YYYY-MM-DD` or the date part of an ISO date-time; None if empty.

    The year must lie in MIN_YEAR..MAX_YEAR: sources contain typos such as 0202 or 20222, and a catalogue
    date far outside that range is always an error.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidDateError(value, "format")
    match = re.match(r"^\s*(-?\d{1,6})-(\d{1,2})-(\d{1,2})(?:$|[T ]|Z)", value)
    if match is None:
        raise InvalidDateError(value, "format")
    year = int(match.group(1))
    _check_year(year, value)
    try:
        return dt.date(year, int(match.group(2)), int(match.group(3)))
    except ValueError as exc:
        raise InvalidDateError(value, "format") from exc


def parse_datetime(value: object, *, default_tz: dt.tzinfo = FINLAND) -> dt.datetime | None:
    """A timezone-aware datetime from an ISO 8601 string; None if empty.

    Naive values get `default_tz` — Kouta writes local Finnish time without an offset ("2021-08-04T12:00"),
    Susa-navet local Swedish time — and `Z`/offsets are honoured. Years outside MIN_YEAR..MAX_YEAR raise.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidDateError(value, "format")
    text = value.strip()
    year_match = re.match(r"^(-?\d+)-", text)
    if year_match is None:
        raise InvalidDateError(value, "format")
    _check_year(int(year_match.group(1)), value)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidDateError(value, "format") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed


def parse_year(value: object) -> int | None:
    """A calendar year from an int or a numeric string (Kouta sends "2023"), range-checked."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidDateError(value, "format")
    try:
        year = int(value)
    except ValueError as exc:
        raise InvalidDateError(value, "format") from exc
    _check_year(year, value)
    return year


# --- numbers ------------------------------------------------------------------------------------------------


def to_decimal(value: object) -> Decimal | None:
    """A finite Decimal from a JSON number or numeric string; None if absent, ValueError if not a number."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(f"not a number: {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"not a number: {value!r}")
    return number


# --- reading bytes ------------------------------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def sniff_unicode_encoding(head: bytes) -> str:
    """The Python codec for a JSON/XML/CSV byte stream from its first bytes: BOM first, then NUL patterns.

    UTF-16/32 without a BOM is recognised by the position of NUL bytes around the first ASCII characters
    (the RFC 4627 §3 method); everything else is assumed to be UTF-8, and undecodable bytes are then
    reported by the decoder rather than guessed at.
    """
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec
    if len(head) >= 4:
        if head[0] == 0 and head[1] == 0 and head[2] == 0 and head[3] != 0:
            return "utf-32-be"
        if head[0] != 0 and head[1] == 0 and head[2] == 0 and head[3] == 0:
            return "utf-32-le"
    if len(head) >= 2:
        if head[0] == 0 and head[1] != 0:
            return "utf-16-be"
        if head[0] != 0 and head[1] == 0:
            return "utf-16-le"
    return "utf-8"


class TextReader:
    """Decodes a binary stream in `encoding` incrementally and hands out text.

    Files arrive as UTF-8 with or without BOM or UTF-16/32. Decoding strictly here means an undecodable byte
    raises UnicodeDecodeError at a known byte offset instead of surfacing as an obscure parser error.
    `bytes_read` counts the raw bytes consumed from the source.
    """

    def __init__(self, raw: IO[bytes] | _PrefixedReader, encoding: str, chunk_size: int = 64 * 1024) -> None:
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        self._chunk_size = chunk_size
        self._eof = False
        self.bytes_read = 0

    def _decode_next(self) -> str:
        """The next chunk of the source, decoded ("" once the source is exhausted)."""
        chunk = self._raw.read(self._chunk_size)
        if not chunk:
            self._eof = True
            return self._decoder.decode(b"", final=True)
        self.bytes_read += len(chunk)
        try:
            return self._decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise UnicodeDecodeError(
                exc.encoding, exc.object, exc.start, exc.end, f"{exc.reason} near byte {self.bytes_read}"
            ) from exc

    def read_text(self, size: int) -> str:
        """At least `size` characters unless the text ends first ("" at the end)."""
        parts: list[str] = []
        count = 0
        while not self._eof and count < size:
            piece = self._decode_next()
            parts.append(piece)
            count += len(piece)
        return "".join(parts)


class _PrefixedReader:
    """A binary stream whose first bytes were already read (to sniff the encoding) and are replayed."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        if not self._head:
            return self._rest.read(size)
        data, self._head = self._head, b""
        if size < 0:
            return data + self._rest.read()
        return data + self._rest.read(max(0, size - len(data)))


def open_text(raw: IO[bytes]) -> TextReader:
    """Wrap a binary stream so it reads as text whatever Unicode encoding the file uses (BOM stripped)."""
    head = raw.read(4)
    return TextReader(_PrefixedReader(head, raw), sniff_unicode_encoding(head))


def as_dict(value: Any) -> dict[str, Any]:
    """`value` if it is a dict, else an empty dict: source documents are untrusted and fields may be null."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """`value` if it is a list, else an empty list (null or a wrong type in an untrusted document)."""
    return value if isinstance(value, list) else []


# --- streaming JSON -----------------------------------------------------------------------------------------

MSG_EMPTY_FILE = gettext_noop("The file is empty.")
MSG_NOT_UNICODE = gettext_noop("The file is not readable as %(encoding)s text: %(error)s")
MSG_BAD_JSON = gettext_noop("The file is not valid JSON: %(error)s")


def _first_line(error: BaseException) -> str:
    text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
    return text.strip().splitlines()[0][:200] if text.strip() else type(error).__name__


def iter_json_documents(
    raw: IO[bytes], *, ref: str, split_keys: tuple[str, ...] = ()
) -> Iterator[JsonDocument | Problem]:
    """Stream the documents of a JSON file: each item of a top-level array, else the top-level value.

    When the top level is an object with one of `split_keys` holding an array (konfo's search response
    `{"total": …, "hits": […]}`), the items of that array are streamed instead and the wrapper is dropped.
    Memory stays bounded by one document, whatever the file size. Encoding is detected (UTF-8 with or
    without BOM, UTF-16/32); an empty, undecodable or malformed file ends the stream with one Problem
    (`ref` names the file) — documents before the error have already been yielded.
    """
    text = json_stream.TextBuffer(open_text(raw).read_text)
    try:
        head = text.peek()
    except UnicodeDecodeError as exc:
        yield Problem(ref=ref, field="", message=MSG_NOT_UNICODE, params={"encoding": exc.encoding, "error": str(exc)})
        return
    if not head:
        yield Problem(ref=ref, field="", message=MSG_EMPTY_FILE, code="empty")
        return
    try:
        yield from json_stream.documents(text, split_keys)
    except UnicodeDecodeError as exc:
        yield Problem(ref=ref, field="", message=MSG_NOT_UNICODE, params={"encoding": exc.encoding, "error": str(exc)})
    except (ValueError, RecursionError) as exc:
        yield Problem(ref=ref, field="", message=MSG_BAD_JSON, params={"error": _first_line(exc)}, code="malformed")
