"""Provider spreadsheets (CSV or XLSX) → typed catalogue records, and the blank template to fill in.

For providers that are in no registry (Opintopolku, Susa-navet): one row is one offering; the programme
columns repeat on every row of that programme, and rows with the same programme ID make one ProgrammeRecord
(yielded with the first row; a later row that describes the programme differently is a Problem). Headers may
be the stable machine keys (`programme_id`) or the column labels in Finnish, Swedish or English — whatever
language the template was downloaded in.

Identifiers are the provider's own, so two providers may both have a programme "1". Records are therefore
keyed `<provider>/<id>` under source "spreadsheet": the same sheet re-imported updates its records, and one
provider's upload can never overwrite another's.

Streaming: CSV is read through csv.reader over a decoding text stream; XLSX through openpyxl's read-only
mode. Memory grows with the number of distinct ids (duplicate and consistency checks), never with the rows.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import IO, Any, Literal
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from openpyxl.comments import Comment
from openpyxl.styles import Font

from battery_region.catalogue.credits import CreditSystem
from battery_region.catalogue.importers.codes import (
    MAX_YEAR,
    MIN_YEAR,
    InvalidDateError,
    fi_region_for_kunta,
    normalise_language,
    parse_date,
    parse_datetime,
    problem_from_error,
    sniff_unicode_encoding,
)
from battery_region.catalogue.importers.records import (
    ApplicationWindowRecord,
    OfferingRecord,
    ParsedItem,
    Problem,
    ProgrammeRecord,
    Text,
)
from battery_region.catalogue.importers.susa_emil3 import se_region_for_municipality

SOURCE = "spreadsheet"
HEADER_REF = "header"
TEXT_LANGUAGES = ("fi", "sv", "en")


@dataclass(frozen=True)
class Column:
    """One template column: its stable machine key, its translated label and help, and an example value."""

    key: str
    label: Promise
    help: Promise
    example: object = ""
    programme: bool = False  # a programme column (repeats on every row of the programme)
    required: bool = False


TEMPLATE_COLUMNS: tuple[Column, ...] = (
    Column(
        "programme_id",
        _("Programme ID"),
        _("Your own identifier of the programme. Rows with the same ID are offerings of one programme."),
        "SAHKO-AKKU",
        programme=True,
        required=True,
    ),
    Column(
        "offering_id",
        _("Offering ID"),
        _("Your own identifier of this offering (one start, place and language); unique in the file."),
        "SAHKO-AKKU-2026S",
        required=True,
    ),
    Column(
        "provider",
        _("Provider"),
        _("The organisation's short name on the platform (as in its address), or its identifier in a registry."),
        "your-organisation",
        programme=True,
        required=True,
    ),
    Column(
        "title_fi",
        _("Title in Finnish"),
        _("Name of the programme in Finnish. At least one title is required."),
        "Sähkö- ja automaatioalan perustutkinto, akkuteknologia",
        programme=True,
    ),
    Column(
        "title_sv",
        _("Title in Swedish"),
        _("Name of the programme in Swedish."),
        "Grundexamen inom el och automation, batteriteknik",
        programme=True,
    ),
    Column(
        "title_en",
        _("Title in English"),
        _("Name of the programme in English."),
        "Vocational qualification in electrical engineering and automation, battery technology",
        programme=True,
    ),
    Column("description_fi", _("Description in Finnish"), _("What the programme is about."), "", programme=True),
    Column("description_sv", _("Description in Swedish"), _("What the programme is about."), "", programme=True),
    Column(
        "description_en",
        _("Description in English"),
        _("What the programme is about."),
        "Assembly, testing and maintenance of battery systems.",
        programme=True,
    ),
    Column(
        "national_type",
        _("National type"),
        _("The type in your national system, e.g. amm, amk, yo (Finland) or YH, VUXGY, HS (Sweden)."),
        "amm",
        programme=True,
    ),
    Column("is_vocational", _("Vocational"), _("yes or no."), "yes", programme=True),
    Column("eqf_level", _("EQF level"), _("European Qualifications Framework level, 1 to 8."), 4, programme=True),
    Column(
        "isced_fields",
        _("ISCED-F fields"),
        _("ISCED-F 2013 field codes with their leading zero, e.g. 0713; separate several with spaces or ;."),
        "0713",
        programme=True,
    ),
    Column("credits_value", _("Credits"), _("The extent in the credit system below, e.g. 180."), 180, programme=True),
    Column(
        "credits_system",
        _("Credit system"),
        _("One of ects, fi_op, fi_osp, se_hp, se_yhp, se_gyp, hours, weeks."),
        "fi_osp",
        programme=True,
    ),
    Column(
        "teaching_languages",
        _("Teaching languages"),
        _("Language codes such as fi, sv, en; separate several with spaces or ;."),
        "fi",
    ),
    Column("country", _("Country"), _("FI, SE or NO."), "FI", required=True),
    Column(
        "municipality_code",
        _("Municipality code"),
        _("The official municipality number (e.g. 564 Oulu, 2482 Skellefteå)."),
        "564",
    ),
    Column("start_date", _("Start date"), _("Exact start date, YYYY-MM-DD."), dt.date(2026, 8, 10)),
    Column("start_year", _("Start year"), _("When there is no exact date: the year of the start."), ""),
    Column("start_season", _("Start season"), _("With the start year: spring, summer, autumn or winter."), ""),
    Column(
        "start_precision",
        _("Start type"),
        _("exact, season, individual or continuous; leave empty to derive it from the columns above."),
        "",
    ),
    Column("end_date", _("End date"), _("YYYY-MM-DD."), dt.date(2029, 5, 31)),
    Column("places", _("Places"), _("Number of student places."), 20),
    Column("mode", _("Mode of study"), _("presential, online, blended or work_based."), "presential"),
    Column("pace_percent", _("Pace (%)"), _("Study pace as a percentage of full time, 1 to 100."), 100),
    Column("fee_amount", _("Fee"), _("Fee for the whole offering; leave empty if free."), ""),
    Column("fee_currency", _("Fee currency"), _("EUR or SEK."), ""),
    Column("open_for_exchange", _("Open for exchange students"), _("yes or no."), "yes"),
    Column("exchange_places", _("Exchange places"), _("Places for exchange students."), 2),
    Column("url", _("Web page"), _("Address of the offering's web page."), "https://www.example.fi/akkuteknologia"),
    Column("application_opens", _("Application opens"), _("YYYY-MM-DD or YYYY-MM-DD HH:MM."), dt.date(2026, 2, 25)),
    Column("application_closes", _("Application closes"), _("YYYY-MM-DD or YYYY-MM-DD HH:MM."), dt.date(2026, 3, 18)),
    Column(
        "application_url", _("Application form"), _("Address of the application form."), "https://www.example.fi/haku"
    ),
)
COLUMNS = {column.key: column for column in TEMPLATE_COLUMNS}
REQUIRED_COLUMNS = tuple(column.key for column in TEMPLATE_COLUMNS if column.required)
TITLE_COLUMNS = ("title_fi", "title_sv", "title_en")
PROGRAMME_COLUMNS = tuple(column.key for column in TEMPLATE_COLUMNS if column.programme)

TRUE_WORDS = frozenset({"yes", "y", "true", "1", "x", "kyllä", "k", "ja", "j", "sant"})
FALSE_WORDS = frozenset({"no", "n", "false", "0", "ei", "e", "nej", "falskt"})
CREDIT_ALIASES = {
    **{system.value: system for system in CreditSystem},
    "op": CreditSystem.FI_OP,
    "osp": CreditSystem.FI_OSP,
    "hp": CreditSystem.SE_HP,
    "yh": CreditSystem.SE_YHP,
    "yhp": CreditSystem.SE_YHP,
    "gy": CreditSystem.SE_GYP,
    "gyp": CreditSystem.SE_GYP,
    "h": CreditSystem.HOURS,
}
SEASONS = {
    "spring": "spring",
    "kevät": "spring",
    "vår": "spring",
    "summer": "summer",
    "kesä": "summer",
    "sommar": "summer",
    "autumn": "autumn",
    "fall": "autumn",
    "syksy": "autumn",
    "höst": "autumn",
    "winter": "winter",
    "talvi": "winter",
    "vinter": "winter",
}
PRECISIONS = frozenset({"exact", "season", "individual", "continuous"})
MODES = frozenset({"presential", "online", "blended", "work_based"})
COUNTRIES = {"fi": "FI", "fin": "FI", "se": "SE", "swe": "SE", "no": "NO", "nor": "NO"}
TIMEZONES = {"FI": "Europe/Helsinki", "SE": "Europe/Stockholm", "NO": "Europe/Oslo"}
ISCED_F_RE = re.compile(r"^(0\d|10)\d{0,2}$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
SPLIT_RE = re.compile(r"[\s,;]+")
FI_DATE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")  # 24.8.2026, as Finnish and Swedish users type it
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0"  # the pre-2007 .xls format
SPREADSHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIP_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_url = URLValidator(schemes=["http", "https"])

MSG_EMPTY = gettext_noop("The file is empty.")
MSG_NO_ROWS = gettext_noop("The file has a header but no rows.")


# --------------------------------------------------------------------------------------------------------
# The template
# --------------------------------------------------------------------------------------------------------


def write_template(fmt: Literal["csv", "xlsx"], language: str) -> bytes:
    """A header row in `language` and one example row, as CSV (UTF-8 with BOM) or XLSX bytes.

    The CSV delimiter follows what Excel expects in that language's locale: `;` where the comma is the
    decimal separator (Finnish, Swedish), `,` otherwise. The parser accepts both, and headers in any language.
    """
    with translation.override(language):
        header = [str(column.label) for column in TEMPLATE_COLUMNS]
        notes = [str(column.help) for column in TEMPLATE_COLUMNS]
    example = [column.example for column in TEMPLATE_COLUMNS]
    if fmt == "csv":
        return _csv_template(header, example, ";" if language in ("fi", "sv") else ",")
    if fmt == "xlsx":
        return _xlsx_template(header, notes, example)
    raise ValueError(f"unknown template format {fmt!r}; use csv or xlsx")


def _csv_template(header: list[str], example: list[object], delimiter: str) -> bytes:
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    out.writerow(header)
    out.writerow([value.isoformat() if isinstance(value, dt.date) else value for value in example])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def _xlsx_template(header: list[str], notes: list[str], example: list[object]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.append(header)
    sheet.append(example)
    for index, (column, note) in enumerate(zip(TEMPLATE_COLUMNS, notes, strict=True), start=1):
        title = sheet.cell(row=1, column=index)
        title.font = Font(bold=True)
        title.comment = Comment(note, "Battery Region")
        letter = title.column_letter
        sheet.column_dimensions[letter].width = max(14, min(40, len(header[index - 1]) + 4))
        for row in range(2, 1001):  # text format keeps leading zeros of codes and ids typed later
            cell = sheet.cell(row=row, column=index)
            if isinstance(column.example, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif column.key in ("isced_fields", "municipality_code", "programme_id", "offering_id"):
                cell.number_format = "@"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------------------
# Parsing: format detection and raw rows
# --------------------------------------------------------------------------------------------------------


@dataclass
class _RawRow:
    line: int
    cells: list[Any]
    formula_cells: frozenset[int] = frozenset()  # indexes of formulas whose cached value is missing


RowSource = Iterator["_RawRow | Problem"]


def parse(path: Path) -> Iterator[ParsedItem]:
    """Stream records and problems from a provider spreadsheet (CSV or XLSX, detected from the bytes)."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            magic = handle.read(8)
    except OSError as exc:
        yield Problem(path.name, "", gettext_noop("The file cannot be read: %(error)s"), {"error": str(exc)})
        return
    if not magic.strip(b" \t\r\n" + codecs.BOM_UTF8):
        if not _has_content(path):
            yield Problem(path.name, "", MSG_EMPTY, code="empty")
            return
    if magic.startswith(OLE2_MAGIC):
        yield Problem(
            path.name,
            "",
            gettext_noop("Old Excel files (.xls) cannot be read: save the sheet as .xlsx or CSV."),
            code="malformed",
        )
        return
    rows = _xlsx_rows(path) if magic.startswith(ZIP_MAGIC) else _csv_rows(path)
    yield from _SheetParser(path.name).parse(rows)


def _has_content(path: Path) -> bool:
    """Whether a file that starts blank has anything but whitespace later on (read in chunks)."""
    with path.open("rb") as handle:
        while chunk := handle.read(65536):
            if chunk.strip(b" \t\r\n\x00" + codecs.BOM_UTF8 + codecs.BOM_UTF16_LE + codecs.BOM_UTF16_BE):
                return True
    return False


# --- CSV ------------------------------------------------------------------------------------------------


def detect_csv_encoding(handle: IO[bytes]) -> str:
    """The codec of a CSV byte stream: a BOM or UTF-16 NUL pattern first; else UTF-8 if the whole file
    decodes as UTF-8, else Windows-1252 (what Excel saves as "CSV" on Finnish and Swedish Windows), else
    Latin-1, which decodes anything. Reads the stream once, in chunks, and rewinds it."""
    head = handle.read(4)
    handle.seek(0)
    encoding = sniff_unicode_encoding(head)
    if encoding != "utf-8":
        return encoding
    candidates = {name: codecs.getincrementaldecoder(name)() for name in ("utf-8", "cp1252")}
    while chunk := handle.read(65536):
        for name in list(candidates):
            try:
                candidates[name].decode(chunk)
            except UnicodeDecodeError:
                del candidates[name]
    for name in list(candidates):
        try:
            candidates[name].decode(b"", final=True)
        except UnicodeDecodeError:
            del candidates[name]
    handle.seek(0)
    return next(iter(candidates), "latin-1")


def sniff_delimiter(first_line: str) -> str:
    """The delimiter of a CSV header line: the most frequent of `,` `;` tab outside quotes (`,` on a tie).

    csv.Sniffer guesses from a whole sample and is easily misled by punctuation inside texts; a header line
    of column names is a far cleaner signal.
    """
    counts = dict.fromkeys((",", ";", "\t"), 0)
    quoted = False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts.values())
    return next(d for d in (",", ";", "\t") if counts[d] == best) if best else ","


def _csv_rows(path: Path) -> RowSource:
    with path.open("rb") as handle:
        encoding = detect_csv_encoding(handle)
        text = io.TextIOWrapper(handle, encoding=encoding, errors="strict", newline="")
        try:
            delimiter = _delimiter_of(text)
            reader = csv.reader(text, delimiter=delimiter)
            start = 1
            for cells in reader:
                yield _RawRow(start, cells)
                start = reader.line_num + 1
        except UnicodeDecodeError as exc:
            yield Problem(
                path.name,
                "",
                gettext_noop("The file is not readable as %(encoding)s text: %(error)s"),
                {"encoding": encoding, "error": str(exc)[:200]},
                code="malformed",
            )
        except csv.Error as exc:
            yield Problem(
                path.name, "", gettext_noop("The CSV file cannot be read: %(error)s"), {"error": str(exc)[:200]}
            )
        finally:
            text.detach()


def _delimiter_of(text: io.TextIOWrapper) -> str:
    """Sniff from the first non-blank line, then rewind the text stream to the start."""
    first_line = ""
    for line in text:
        if line.strip():
            first_line = line
            break
    text.seek(0)
    return sniff_delimiter(first_line.lstrip("\ufeff"))


# --- XLSX -----------------------------------------------------------------------------------------------


def _xlsx_rows(path: Path) -> RowSource:
    """Rows of the first worksheet, with formulas that have no cached value marked, then merged ranges."""
    try:
        values = openpyxl.load_workbook(path, read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on a broken or foreign zip
        yield Problem(
            path.name,
            "",
            gettext_noop("The file is not a readable XLSX workbook: %(error)s"),
            {"error": str(exc)[:200] or type(exc).__name__},
            code="malformed",
        )
        return
    try:
        yield from _merged_ranges(path)
        value_rows = values.worksheets[0].iter_rows(values_only=True)
        formula_rows = formulas.worksheets[0].iter_rows(values_only=True)
        for line, (cells, raw) in enumerate(zip(value_rows, formula_rows, strict=False), start=1):
            missing = frozenset(
                index
                for index, (value, formula) in enumerate(zip(cells, raw, strict=False))
                if value is None and isinstance(formula, str) and formula.startswith("=")
            )
            yield _RawRow(line, list(cells), missing)
    except Exception as exc:  # noqa: BLE001 - a corrupt sheet part surfaces only while iterating
        yield Problem(
            path.name,
            "",
            gettext_noop("The file is not a readable XLSX workbook: %(error)s"),
            {"error": str(exc)[:200] or type(exc).__name__},
            code="malformed",
        )
    finally:
        values.close()
        formulas.close()


def _merged_ranges(path: Path) -> RowSource:
    """Problems for merged cells of the first sheet, read from its XML (read-only openpyxl cannot see them).

    A merged range keeps its value in the top-left cell only, so the other rows or columns would silently
    lose it. The sheet XML is streamed with iterparse and each element cleared, keeping memory flat.
    """
    with zipfile.ZipFile(path) as archive:
        sheet_path = _first_sheet_path(archive)
        if sheet_path is None:
            return
        with archive.open(sheet_path) as sheet:
            for _event, element in ElementTree.iterparse(sheet, events=("end",)):
                if element.tag == f"{SPREADSHEET_NS}mergeCell":
                    cell_range = element.get("ref", "")
                    first_row = re.sub(r"\D", "", cell_range.split(":")[0]) or "1"
                    yield Problem(
                        f"line {first_row}",
                        "",
                        gettext_noop("Merged cells %(range)s: unmerge them and fill in every cell."),
                        {"range": cell_range},
                    )
                element.clear()


def _first_sheet_path(archive: zipfile.ZipFile) -> str | None:
    """The zip member of the workbook's first sheet, via workbook.xml and its relationships."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    sheet = workbook.find(f"{SPREADSHEET_NS}sheets/{SPREADSHEET_NS}sheet")
    relationships = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    if sheet is None:
        return None
    wanted = sheet.get(f"{RELATIONSHIP_NS}id")
    for relationship in relationships.iter(f"{PACKAGE_NS}Relationship"):
        if relationship.get("Id") == wanted:
            target = relationship.get("Target", "")
            member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            return member if member in archive.namelist() else None
    return None


# --------------------------------------------------------------------------------------------------------
# Parsing: header and rows → records
# --------------------------------------------------------------------------------------------------------


def _normal(label: str) -> str:
    return " ".join(label.replace("\ufeff", "").split()).casefold()


def header_lookup() -> dict[str, str]:
    """Normalised header text → column key: the machine keys and the labels in every UI language."""
    lookup = {column.key: column.key for column in TEMPLATE_COLUMNS}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for column in TEMPLATE_COLUMNS:
                lookup.setdefault(_normal(str(column.label)), column.key)
    return lookup


class _CellError(Exception):
    def __init__(self, message: str, params: dict[str, Any] | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.params = params or {}
        self.code = code


class _Row:
    """The cells of one data row by column key, collecting a Problem per cell that cannot be read."""

    def __init__(self, line: int, cells: dict[str, Any], formula_keys: set[str]) -> None:
        self.ref = f"line {line}"
        self.line = line
        self.cells = cells
        self.problems: list[Problem] = [
            Problem(self.ref, key, gettext_noop("Formula without a value: type the value or recalculate and save."))
            for key in sorted(formula_keys)
        ]

    def get(self, key: str, convert: Callable[[Any], Any], default: Any = None) -> Any:
        value = self.cells.get(key)
        if _blank(value):
            return default
        try:
            return convert(value)
        except InvalidDateError as error:
            self.problems.append(problem_from_error(error, ref=self.ref, field=key))
        except _CellError as error:
            self.problems.append(Problem(self.ref, key, error.message, error.params, error.code))
        return default

    def problem(self, key: str, message: str, params: dict[str, Any] | None = None, code: str = "invalid") -> None:
        self.problems.append(Problem(self.ref, key, message, params or {}, code))


class _SheetParser:
    """Turns raw rows into records: header mapping, per-cell conversion, duplicate and consistency checks."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.keys: list[str | None] = []
        self.offering_lines: dict[str, int] = {}
        self.programmes: dict[str, tuple[int, dict[str, Any]]] = {}

    def parse(self, rows: RowSource) -> Iterator[ParsedItem]:
        header_seen = data_seen = unreadable = False
        for row in rows:
            if isinstance(row, Problem):
                unreadable = unreadable or row.code == "malformed"
                yield row
                continue
            if all(_blank(cell) for cell in row.cells):
                continue
            if not header_seen:
                header_seen = True
                problems = list(self._read_header(row.cells))
                yield from problems
                if any(p.code == "required" for p in problems):
                    return  # without the key columns no row can be understood
                continue
            data_seen = True
            yield from self._row(row)
        if unreadable:
            return  # the file's own problem says it all
        if not header_seen:
            yield Problem(self.name, "", MSG_EMPTY, code="empty")
        elif not data_seen:
            yield Problem(self.name, "", MSG_NO_ROWS, code="empty")

    def _read_header(self, cells: list[Any]) -> Iterator[Problem]:
        lookup = header_lookup()
        found: set[str] = set()
        for cell in cells:
            text = _text(cell) if not _blank(cell) else ""
            key = lookup.get(_normal(text)) if text else None
            if text and key is None:
                yield Problem(HEADER_REF, text, gettext_noop("Unknown column %(column)s."), {"column": text})
            elif key is not None and key in found:
                yield Problem(
                    HEADER_REF, key, gettext_noop("The column %(column)s appears more than once."), {"column": text}
                )
                key = None
            if key is not None:
                found.add(key)
            self.keys.append(key)
        for key in REQUIRED_COLUMNS:
            if key not in found:
                yield Problem(
                    HEADER_REF,
                    key,
                    gettext_noop("The required column %(column)s is missing."),
                    {"column": key},
                    "required",
                )
        if not found.intersection(TITLE_COLUMNS):
            yield Problem(
                HEADER_REF,
                "title_fi",
                gettext_noop("A title column (Finnish, Swedish or English) is required."),
                code="required",
            )

    def _row(self, raw: _RawRow) -> Iterator[ParsedItem]:
        cells: dict[str, Any] = {}
        stray = False
        for index, value in enumerate(raw.cells):
            key = self.keys[index] if index < len(self.keys) else None
            if key is not None:
                cells[key] = value
            elif not _blank(value):
                stray = True
        formula_keys = {key for i in raw.formula_cells if i < len(self.keys) and (key := self.keys[i])}
        row = _Row(raw.line, cells, formula_keys)
        if stray:
            row.problem("", gettext_noop("The row has a value in a column without a known header."))
        programme = _programme(row)
        offering = _offering(row)
        self._check_repeats(row, programme, offering)
        yield from row.problems
        if row.problems or programme is None or offering is None:
            return
        if programme.source_id not in self.programmes:
            self.programmes[programme.source_id] = (row.line, _programme_fingerprint(programme))
            yield programme
        yield offering

    def _check_repeats(self, row: _Row, programme: ProgrammeRecord | None, offering: OfferingRecord | None) -> None:
        """Duplicate offering ids and programmes described differently on two rows (memory: ids only)."""
        if offering is not None:
            first = self.offering_lines.setdefault(offering.source_id, row.line)
            if first != row.line:
                row.problem(
                    "offering_id",
                    gettext_noop("The offering ID %(value)s already appears on line %(line)s."),
                    {"value": row.cells.get("offering_id"), "line": first},
                    "duplicate",
                )
        if programme is not None and programme.source_id in self.programmes and not row.problems:
            first_line, fingerprint = self.programmes[programme.source_id]
            current = _programme_fingerprint(programme)
            for key in PROGRAMME_COLUMNS:
                if fingerprint.get(key) != current.get(key):
                    row.problem(
                        key,
                        gettext_noop("The programme %(value)s is described differently on line %(line)s."),
                        {"value": row.cells.get("programme_id"), "line": first_line},
                    )


def _programme_fingerprint(record: ProgrammeRecord) -> dict[str, Any]:
    """The programme columns of a record, to compare a later row of the same programme with the first."""
    return {
        "programme_id": record.source_id,
        "provider": record.provider_source_id,
        **{f"title_{code}": record.title.get(code, "") for code in TEXT_LANGUAGES},
        **{f"description_{code}": record.description.get(code, "") for code in TEXT_LANGUAGES},
        "national_type": record.national_type,
        "is_vocational": record.is_vocational,
        "eqf_level": record.eqf_level,
        "isced_fields": tuple(record.isced_fields),
        "credits_value": record.credits_value,
        "credits_system": record.credits_system,
    }


def _required_text(row: _Row, key: str) -> str:
    value = row.get(key, _text, "")
    if not value:
        row.problem(key, gettext_noop("This column is required."), code="required")
    return str(value)


def _texts(row: _Row, prefix: str) -> Text:
    return {code: text for code in TEXT_LANGUAGES if (text := row.get(f"{prefix}_{code}", _text, ""))}


def _raw(row: _Row) -> dict[str, Any]:
    return {key: _jsonable(value) for key, value in row.cells.items() if not _blank(value)}


def _programme(row: _Row) -> ProgrammeRecord | None:
    programme_id = _required_text(row, "programme_id")
    provider = _required_text(row, "provider")
    title = _texts(row, "title")
    if not title:
        row.problem("title_fi", gettext_noop("A text in Finnish, Swedish or English is required."), code="required")
    credits_value = row.get("credits_value", _non_negative_decimal)
    credits_system = row.get("credits_system", _credit_system, "")
    if credits_value is not None and _blank(row.cells.get("credits_system")):
        row.problem("credits_system", gettext_noop("Credits need a credit system."), code="required")
    if not (programme_id and provider):
        return None
    return ProgrammeRecord(
        source=SOURCE,
        source_id=f"{provider}/{programme_id}",
        ref=row.ref,
        title=title,
        provider_source_id=provider,
        description=_texts(row, "description"),
        national_type=row.get("national_type", _text, ""),
        is_vocational=row.get("is_vocational", _boolean, False),
        eqf_level=row.get("eqf_level", _eqf_level),
        isced_fields=row.get("isced_fields", _isced_fields, []),
        credits_value=credits_value,
        credits_system=credits_system,
        raw={key: value for key, value in _raw(row).items() if key in PROGRAMME_COLUMNS},
    )


def _offering(row: _Row) -> OfferingRecord | None:
    offering_id = _required_text(row, "offering_id")
    country = row.get("country", _country, "")
    if not country and "country" not in {p.field for p in row.problems}:
        row.problem("country", gettext_noop("This column is required."), code="required")
    provider = _text(row.cells.get("provider")) if not _blank(row.cells.get("provider")) else ""
    programme_id = _text(row.cells.get("programme_id")) if not _blank(row.cells.get("programme_id")) else ""
    record = OfferingRecord(
        source=SOURCE,
        source_id=f"{provider}/{offering_id}",
        ref=row.ref,
        programme_source_id=f"{provider}/{programme_id}",
        provider_source_id=provider,
        teaching_languages=row.get("teaching_languages", _languages, []),
        country=country,
        places=row.get("places", _count),
        mode=row.get("mode", _choice(MODES), ""),
        pace_percent=row.get("pace_percent", _percent),
        fee_amount=row.get("fee_amount", _non_negative_decimal),
        fee_currency=row.get("fee_currency", _currency, ""),
        open_for_exchange=row.get("open_for_exchange", _boolean, False),
        exchange_places=row.get("exchange_places", _count),
        url=row.get("url", _web_address, ""),
        raw=_raw(row),
    )
    if record.fee_amount is not None and not record.fee_currency:
        row.problem("fee_currency", gettext_noop("A fee needs its currency."), code="required")
    _apply_place(row, record)
    _apply_start(row, record)
    _apply_application(row, record)
    if not (offering_id and provider and programme_id):
        return None
    return record


def _apply_place(row: _Row, record: OfferingRecord) -> None:
    code = row.get("municipality_code", _text, "")
    if not code:
        return
    match = re.fullmatch(r"(?:(FI)-kunta:|(SE)-kommun:)?(\d{1,4})", code.strip(), flags=re.IGNORECASE)
    if match and not (match.group(1) or match.group(2) or record.country):
        return  # a bare number needs the country, whose own problem is already reported
    country = ((match.group(1) or match.group(2) or record.country).upper()) if match else ""
    digits = match.group(3) if match else ""
    if country == "FI" and len(digits) <= 3:
        record.municipality_code = f"FI-kunta:{digits.zfill(3)}"
        record.region = fi_region_for_kunta(digits.zfill(3))
    elif country == "SE" and len(digits) in (3, 4):  # a spreadsheet drops the leading zero of 0180 Stockholm
        record.municipality_code = f"SE-kommun:{digits.zfill(4)}"
        record.region = se_region_for_municipality(digits.zfill(4))
    else:
        row.problem(
            "municipality_code",
            gettext_noop("%(value)s is not a municipality code of the row's country, e.g. 564 (FI) or 2482 (SE)."),
            {"value": code},
        )


def _apply_start(row: _Row, record: OfferingRecord) -> None:
    """Exact date, or year + season, or an explicit start type; the type is derived when left empty."""
    record.start_date = row.get("start_date", _date)
    record.end_date = row.get("end_date", _date)
    record.start_year = row.get("start_year", _year)
    record.start_season = row.get("start_season", _season, "")
    precision = row.get("start_precision", _choice(PRECISIONS), "")
    if not precision:
        precision = "season" if record.start_date is None and (record.start_year or record.start_season) else "exact"
    record.start_precision = precision
    if precision == "season" and not (record.start_year and record.start_season):
        row.problem("start_season", gettext_noop("A start by season needs both the year and the season."))
    if precision == "exact" and record.start_date is None and (record.start_year or record.start_season):
        row.problem("start_date", gettext_noop("An exact start needs the start date."))
    if record.start_date and record.end_date and record.end_date < record.start_date:
        row.problem("end_date", gettext_noop("The end date is before the start date."))


def _apply_application(row: _Row, record: OfferingRecord) -> None:
    zone = ZoneInfo(TIMEZONES.get(record.country, settings.TIME_ZONE))
    opens = row.get("application_opens", lambda value: _instant(value, zone, dt.time.min))
    closes = row.get("application_closes", lambda value: _instant(value, zone, dt.time(23, 59, 59)))
    url = row.get("application_url", _web_address, "")
    if opens and closes and closes < opens:
        row.problem("application_closes", gettext_noop("The application closes before it opens."))
    if opens or closes or url:
        record.application_windows.append(ApplicationWindowRecord(opens=opens, closes=closes, url=url))


# --------------------------------------------------------------------------------------------------------
# Cell converters: each takes a non-blank cell (str from CSV; str/int/float/bool/datetime from XLSX)
# --------------------------------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _text(value: Any) -> str:
    """A cell as text; an XLSX number that is really an id (1234.0) loses its spurious decimals."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _number(value: Any) -> Decimal:
    """Decimal from a number cell or text with either decimal separator and spaces as thousands separators."""
    if isinstance(value, bool) or isinstance(value, dt.date | dt.time):
        raise _CellError(gettext_noop("Expected a number, got %(value)s."), {"value": _text(value)})
    text = re.sub(r"[\s\u00a0\u202f]", "", str(value)).replace(",", ".")
    try:
        number = Decimal(text)
    except ArithmeticError:
        raise _CellError(gettext_noop("Expected a number, got %(value)s."), {"value": str(value)[:50]}) from None
    if not number.is_finite():
        raise _CellError(gettext_noop("Expected a number, got %(value)s."), {"value": str(value)[:50]})
    return number


def _whole(value: Any) -> int:
    number = _number(value)
    if number != number.to_integral_value():
        raise _CellError(gettext_noop("Expected a whole number, got %(value)s."), {"value": _text(value)})
    return int(number)


def _count(value: Any) -> int:
    number = _whole(value)
    if number < 0:
        raise _CellError(gettext_noop("The number cannot be negative."))
    return number


def _non_negative_decimal(value: Any) -> Decimal:
    number = _number(value)
    if number < 0:
        raise _CellError(gettext_noop("The number cannot be negative."))
    return number


def _eqf_level(value: Any) -> int:
    try:
        level = _whole(value)
    except _CellError:
        level = 0
    if not 1 <= level <= 8:
        raise _CellError(
            gettext_noop("EQF level must be a whole number from 1 to 8, got %(value)s."), {"value": _text(value)}
        )
    return level


def _percent(value: Any) -> int:
    try:
        percent = _whole(value)
    except _CellError:
        percent = 0
    if not 1 <= percent <= 100:
        raise _CellError(
            gettext_noop("The pace must be a percentage from 1 to 100, got %(value)s."), {"value": _text(value)}
        )
    return percent


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = _text(value).casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _CellError(gettext_noop("Expected yes or no, got %(value)s."), {"value": _text(value)[:50]})


def _isced_fields(value: Any) -> list[str]:
    codes: list[str] = []
    for code in SPLIT_RE.split(_text(value)):
        if not code:
            continue
        if not ISCED_F_RE.match(code):
            raise _CellError(
                gettext_noop(
                    "%(value)s is not an ISCED-F field code (type it as text with its leading zero, e.g. 0713)."
                ),
                {"value": code},
            )
        if code not in codes:
            codes.append(code)
    return codes


def _credit_system(value: Any) -> str:
    system = CREDIT_ALIASES.get(_text(value).casefold())
    if system is None:
        raise _CellError(gettext_noop("Unknown credit system %(value)s."), {"value": _text(value)[:50]})
    return system.value


def _languages(value: Any) -> list[str]:
    languages: list[str] = []
    for code in SPLIT_RE.split(_text(value)):
        if not code:
            continue
        language = "other" if code.casefold() == "other" else normalise_language(code)
        if language is None:
            raise _CellError(gettext_noop("Unknown language code %(value)s."), {"value": code[:20]})
        if language not in languages:
            languages.append(language)
    return languages


def _country(value: Any) -> str:
    country = COUNTRIES.get(_text(value).casefold())
    if country is None:
        raise _CellError(gettext_noop("Unknown country code %(value)s."), {"value": _text(value)[:20]})
    return country


def _choice(allowed: Iterable[str]) -> Callable[[Any], str]:
    options = frozenset(allowed)

    def convert(value: Any) -> str:
        word = _text(value).casefold().replace("-", "_").replace(" ", "_")
        if word not in options:
            raise _CellError(gettext_noop("Unknown value %(value)s."), {"value": _text(value)[:50]})
        return word

    return convert


def _season(value: Any) -> str:
    season = SEASONS.get(_text(value).casefold())
    if season is None:
        raise _CellError(gettext_noop("Unknown value %(value)s."), {"value": _text(value)[:50]})
    return season


def _currency(value: Any) -> str:
    currency = _text(value).upper()
    if not CURRENCY_RE.match(currency):
        raise _CellError(gettext_noop("%(value)s is not a currency code such as EUR."), {"value": currency[:20]})
    return currency


def _web_address(value: Any) -> str:
    address = _text(value)
    try:
        _url(address)
    except ValidationError:
        raise _CellError(gettext_noop("%(value)s is not a valid web address."), {"value": address[:100]}) from None
    return address


def _year(value: Any) -> int:
    year = _whole(value)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidDateError(year, "range")
    return year


def _date(value: Any) -> dt.date:
    """A date cell, an ISO date, or d.m.yyyy; the year within codes.MIN_YEAR–MAX_YEAR."""
    if isinstance(value, dt.datetime | dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return _checked(day)
    text = _text(value)
    local = FI_DATE_RE.match(text)
    if local:
        text = f"{local.group(3)}-{int(local.group(2)):02d}-{int(local.group(1)):02d}"
    if not isinstance(value, str | int | float):
        raise InvalidDateError(value, "format")
    parsed = parse_date(text)
    if parsed is None:  # pragma: no cover - blank cells never reach a converter
        raise InvalidDateError(value, "format")
    return parsed


def _checked(day: dt.date) -> dt.date:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise InvalidDateError(day.isoformat(), "range")
    return day


def _instant(value: Any, zone: ZoneInfo, time_of_day: dt.time) -> dt.datetime:
    """A date (at `time_of_day`) or a date-time, local to the offering's country unless it has an offset.

    An XLSX date cell arrives as a datetime at midnight; it is read as the date it shows, so that "closes
    2026-03-18" means the end of that day as it does in a CSV.
    """
    if isinstance(value, dt.datetime) and value.time() == dt.time.min and value.tzinfo is None:
        value = value.date()
    if isinstance(value, dt.datetime):
        _checked(value.date())
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, dt.date) or (isinstance(value, str) and len(value.strip()) <= 10):
        return dt.datetime.combine(_date(value), time_of_day, zone)
    if not isinstance(value, str):
        raise InvalidDateError(value, "format")
    parsed = parse_datetime(value.strip().replace(" ", "T", 1), default_tz=zone)
    if parsed is None:  # pragma: no cover - blank cells never reach a converter
        raise InvalidDateError(value, "format")
    return parsed
