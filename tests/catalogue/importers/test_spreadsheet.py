"""Provider spreadsheets: the template in three languages, CSV/XLSX parsing into records, and bad input that
must give Problems (ref "header" or "line N", field = column key), never exceptions."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from battery_region.catalogue.importers import susa_emil3, writer
from battery_region.catalogue.importers.records import (
    OfferingRecord,
    ParsedItem,
    Problem,
    ProgrammeRecord,
    ProviderRecord,
)
from battery_region.catalogue.importers.spreadsheet import (
    SOURCE,
    TEMPLATE_COLUMNS,
    detect_csv_encoding,
    header_lookup,
    parse,
    sniff_delimiter,
    write_template,
)
from battery_region.catalogue.importers.validation import validate_offering, validate_programme

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "spreadsheet" / "offerings.csv"
HELSINKI = ZoneInfo("Europe/Helsinki")
STOCKHOLM = ZoneInfo("Europe/Stockholm")
LANGUAGES = ("fi", "sv", "en")


# --- helpers ------------------------------------------------------------------------------------------------


def collect(items: Iterable[ParsedItem]) -> tuple[list[ProgrammeRecord], list[OfferingRecord], list[Problem]]:
    programmes, offerings, problems = [], [], []
    for item in items:
        if isinstance(item, ProgrammeRecord):
            programmes.append(item)
        elif isinstance(item, OfferingRecord):
            offerings.append(item)
        elif isinstance(item, Problem):
            problems.append(item)
        else:  # pragma: no cover - providers never come from a spreadsheet
            raise AssertionError(f"parse() yielded {item!r}")
    return programmes, offerings, problems


def fixture_rows() -> list[list[str]]:
    with FIXTURE.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def edited(changes: dict[str, Any], row: int = 1, rows: list[list[Any]] | None = None) -> list[list[Any]]:
    """The fixture rows with some cells of data row `row` (1-based) replaced, by column key."""
    rows = [list(r) for r in (rows or fixture_rows())]
    for key, value in changes.items():
        rows[row][rows[0].index(key)] = value
    return rows


def write_csv(directory: Path, rows: list[list[Any]], *, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path = directory / "upload.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(
    directory: Path, rows: list[list[Any]], edit: Callable[[Any], None] | None = None, name: str = "upload.xlsx"
) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append([None if cell == "" else cell for cell in row])
    if edit is not None:
        edit(sheet)
    path = directory / name
    workbook.save(path)
    return path


def problems_of(path: Path) -> list[tuple[str, str]]:
    return [(p.ref, p.field) for p in collect(parse(path))[2]]


def column_letter(key: str) -> str:
    return openpyxl.utils.get_column_letter(fixture_rows()[0].index(key) + 1)


# --- the template -------------------------------------------------------------------------------------------


def test_column_keys_are_unique_and_documented() -> None:
    keys = [column.key for column in TEMPLATE_COLUMNS]
    assert len(keys) == len(set(keys))
    for column in TEMPLATE_COLUMNS:
        assert str(column.label) and str(column.help), column.key


@pytest.mark.parametrize("language", LANGUAGES)
def test_labels_are_unique_and_map_back_to_their_keys(language: str) -> None:
    lookup = header_lookup()
    with translation.override(language):
        labels = [str(column.label) for column in TEMPLATE_COLUMNS]
    assert len({label.casefold() for label in labels}) == len(labels)
    for column, label in zip(TEMPLATE_COLUMNS, labels, strict=True):
        assert lookup[" ".join(label.split()).casefold()] == column.key


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_template_round_trips(tmp_path: Path, fmt: str, language: str) -> None:
    path = tmp_path / f"template.{fmt}"
    path.write_bytes(write_template(fmt, language))  # type: ignore[arg-type]
    programmes, offerings, problems = collect(parse(path))
    assert problems == []
    assert [p.source_id for p in programmes] == ["your-organisation/SAHKO-AKKU"]
    (offering,) = offerings
    assert (offering.start_date, offering.end_date) == (dt.date(2026, 8, 10), dt.date(2029, 5, 31))
    assert offering.application_windows[0].opens == dt.datetime(2026, 2, 25, tzinfo=HELSINKI)


def test_template_header_is_in_the_users_language() -> None:
    def header(language: str) -> list[str]:
        text = write_template("csv", language).decode("utf-8-sig")
        return next(csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text.splitlines()[0])))

    for language in LANGUAGES:
        with translation.override(language):
            assert header(language) == [str(column.label) for column in TEMPLATE_COLUMNS]
    assert header("en")[0] == "Programme ID"


def test_template_csv_is_excel_friendly() -> None:
    assert write_template("csv", "fi").startswith(codecs.BOM_UTF8)
    assert b";" in write_template("csv", "sv").splitlines()[0]  # decimal comma locales use ;
    assert b"," in write_template("csv", "en").splitlines()[0]


def test_template_xlsx_has_typed_example_cells(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(write_template("xlsx", "sv"))
    sheet = openpyxl.load_workbook(path).active
    keys = [column.key for column in TEMPLATE_COLUMNS]
    assert sheet.cell(row=2, column=keys.index("start_date") + 1).value.date() == dt.date(2026, 8, 10)
    assert sheet.cell(row=3, column=keys.index("isced_fields") + 1).number_format == "@"
    assert sheet.cell(row=1, column=1).comment is not None


def test_unknown_template_format() -> None:
    with pytest.raises(ValueError, match="csv or xlsx"):
        write_template("ods", "fi")  # type: ignore[arg-type]


# --- mapping ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parsed() -> tuple[list[ProgrammeRecord], list[OfferingRecord], list[Problem]]:
    return collect(parse(FIXTURE))


def test_fixture_parses_without_problems(parsed: Any) -> None:
    programmes, offerings, problems = parsed
    assert problems == []
    assert [p.source_id for p in programmes] == [
        "osao-test/SAHKO-AKKU",
        "skelleftea-test/BATT-VUX",
        "osao-test/SAFETY-ONLINE",
    ]
    assert [o.ref for o in offerings] == ["line 2", "line 4", "line 6", "line 7"]  # a quoted cell spans lines 2–3
    assert {r.source for r in [*programmes, *offerings]} == {SOURCE}
    assert [p for r in programmes for p in validate_programme(r)] == []
    assert [p for r in offerings for p in validate_offering(r)] == []


def test_programme_columns(parsed: Any) -> None:
    sahko = parsed[0][0]
    assert sahko.ref == "line 2"
    assert sahko.provider_source_id == "osao-test"
    assert sahko.title["fi"] == "Sähkö- ja automaatioalan perustutkinto, akkuteknologia"
    assert sahko.description == {
        "fi": "Akkujärjestelmien kokoonpano, testaus ja huolto.\nTyöpaikalla oppiminen akkutehtaalla.",
        "en": "<p>Battery <b>assembly</b> and testing</p>",  # HTML kept as text
    }
    assert (sahko.national_type, sahko.is_vocational, sahko.eqf_level) == ("amm", True, 4)
    assert sahko.isced_fields == ["0713", "0714"]
    assert (sahko.credits_value, sahko.credits_system) == (Decimal(180), "fi_osp")
    vux = parsed[0][1]
    assert (vux.title, vux.is_vocational, vux.credits_system) == (
        {"sv": "Batterimontör – yrkesvux", "en": "Battery assembler – vocational adult education"},
        True,
        "se_gyp",
    )
    online = parsed[0][2]
    assert (online.eqf_level, online.is_vocational, online.credits_value, online.credits_system) == (
        None,
        False,
        Decimal(5),
        "ects",
    )


def test_offering_columns(parsed: Any) -> None:
    autumn, spring, vux, online = parsed[1]
    assert (autumn.source_id, autumn.programme_source_id, autumn.provider_source_id) == (
        "osao-test/SAHKO-AKKU-2026S",
        "osao-test/SAHKO-AKKU",
        "osao-test",
    )
    assert (autumn.country, autumn.municipality_code, autumn.region) == ("FI", "FI-kunta:564", "FI1D9")
    assert (autumn.start_precision, autumn.start_date, autumn.end_date) == (
        "exact",
        dt.date(2026, 8, 10),
        dt.date(2029, 5, 31),
    )
    assert (autumn.places, autumn.mode, autumn.pace_percent, autumn.open_for_exchange, autumn.exchange_places) == (
        20,
        "presential",
        100,
        True,
        2,
    )
    (window,) = autumn.application_windows
    assert window.opens == dt.datetime(2026, 2, 25, tzinfo=HELSINKI)
    assert window.closes == dt.datetime(2026, 3, 18, 23, 59, 59, tzinfo=HELSINKI)
    assert window.url == "https://www.example.fi/haku"
    assert (spring.start_precision, spring.start_year, spring.start_season, spring.teaching_languages) == (
        "season",
        2027,
        "spring",
        ["fi", "en"],
    )
    assert spring.application_windows == []
    assert (vux.municipality_code, vux.region, vux.mode) == ("SE-kommun:2482", "SE331", "work_based")
    assert vux.application_windows[0].opens == dt.datetime(2026, 5, 1, 8, 0, tzinfo=STOCKHOLM)
    assert (online.start_precision, online.fee_amount, online.fee_currency, online.mode) == (
        "continuous",
        Decimal(150),
        "EUR",
        "online",
    )


def test_headers_in_any_language_or_machine_keys_mixed(tmp_path: Path) -> None:
    rows = fixture_rows()
    labels: dict[str, str] = {}
    for index, key in enumerate(rows[0]):
        with translation.override(LANGUAGES[index % 3]):  # fi, sv and en labels in one header
            labels[key] = str(next(c.label for c in TEMPLATE_COLUMNS if c.key == key))
    rows[0] = [labels[key].upper() if i % 4 == 0 else labels[key] if i % 4 else key for i, key in enumerate(rows[0])]
    programmes, offerings, problems = collect(parse(write_csv(tmp_path, rows, delimiter=";")))
    assert problems == []
    assert len(programmes) == 3 and len(offerings) == 4


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8-sig", ","), ("utf-16", "\t"), ("utf-16-le", ";"), ("cp1252", ";"), ("latin-1", "\t")],
)
def test_encodings_and_delimiters(tmp_path: Path, encoding: str, delimiter: str) -> None:
    rows = [[cell.replace("–", "-") for cell in row] for row in fixture_rows()]  # Latin-1 has no en dash
    programmes, offerings, problems = collect(parse(write_csv(tmp_path, rows, encoding=encoding, delimiter=delimiter)))
    assert problems == []
    assert programmes[0].title["fi"] == "Sähkö- ja automaatioalan perustutkinto, akkuteknologia"
    assert programmes[1].title["sv"] == "Batterimontör - yrkesvux"
    assert len(offerings) == 4


def test_encoding_detection() -> None:
    def detect(data: bytes) -> str:
        return detect_csv_encoding(io.BytesIO(data))

    assert detect("ä".encode()) == "utf-8"
    assert detect(codecs.BOM_UTF8 + b"a") == "utf-8-sig"
    assert detect("a;ä".encode("utf-16")) == "utf-16"
    assert detect("Skellefteå – €".encode("cp1252")) == "cp1252"
    assert detect(b"\x81\x8d\xe4") == "latin-1"  # bytes undefined in Windows-1252


def test_delimiter_sniffing() -> None:
    assert sniff_delimiter("a;b;c") == ";"
    assert sniff_delimiter("a\tb\tc") == "\t"
    assert sniff_delimiter('"a;b",c,d') == ","  # delimiters inside quotes do not count
    assert sniff_delimiter("single") == ","


def test_decimal_comma_and_thousands_space(tmp_path: Path) -> None:
    rows = edited({"credits_value": "1 200,5", "fee_amount": "1\u00a0500,00", "fee_currency": "sek"}, row=3)
    programmes, offerings, problems = collect(parse(write_csv(tmp_path, rows, delimiter=";")))
    assert problems == []
    assert programmes[1].credits_value == Decimal("1200.5")
    assert (offerings[2].fee_amount, offerings[2].fee_currency) == (Decimal("1500.00"), "SEK")


def test_local_date_format(tmp_path: Path) -> None:
    rows = edited({"start_date": "10.8.2026", "application_opens": "25.02.2026"})
    offerings = collect(parse(write_csv(tmp_path, rows)))[1]
    assert offerings[0].start_date == dt.date(2026, 8, 10)
    assert offerings[0].application_windows[0].opens == dt.datetime(2026, 2, 25, tzinfo=HELSINKI)


# --- header problems ----------------------------------------------------------------------------------------


def test_missing_required_columns_one_problem_each(tmp_path: Path) -> None:
    rows = fixture_rows()
    drop = [rows[0].index(key) for key in ("offering_id", "country")]
    rows = [[cell for i, cell in enumerate(row) if i not in drop] for row in rows]
    programmes, offerings, problems = collect(parse(write_csv(tmp_path, rows)))
    assert programmes == offerings == []
    assert [(p.ref, p.field, p.code) for p in problems] == [
        ("header", "offering_id", "required"),
        ("header", "country", "required"),
    ]


def test_missing_every_title_column(tmp_path: Path) -> None:
    rows = fixture_rows()
    keep = [i for i, key in enumerate(rows[0]) if not key.startswith("title_")]
    rows = [[row[i] for i in keep] for row in rows]
    assert problems_of(write_csv(tmp_path, rows)) == [("header", "title_fi")]


def test_unknown_and_repeated_columns(tmp_path: Path) -> None:
    rows = [[*row, "x", "y"] for row in fixture_rows()]
    rows[0][-2:] = ["Notes", "Title in English"]
    problems = collect(parse(write_csv(tmp_path, rows)))[2]
    assert [(p.ref, p.field, p.params) for p in problems][:2] == [
        ("header", "Notes", {"column": "Notes"}),
        ("header", "title_en", {"column": "Title in English"}),
    ]


def test_value_under_a_blank_header(tmp_path: Path) -> None:
    rows = [[*row, ""] for row in fixture_rows()]
    rows[3][-1] = "stray"
    assert problems_of(write_csv(tmp_path, rows)) == [("line 6", "")]


# --- cell problems ------------------------------------------------------------------------------------------

CELL_CASES = [
    ("eqf_level", "9", "EQF level must be a whole number from 1 to 8, got %(value)s."),
    ("eqf_level", "four", "EQF level must be a whole number from 1 to 8, got %(value)s."),
    ("is_vocational", "maybe", "Expected yes or no, got %(value)s."),
    ("isced_fields", "713", None),
    ("credits_value", "lots", "Expected a number, got %(value)s."),
    ("credits_system", "ECTS-ish", "Unknown credit system %(value)s."),
    ("teaching_languages", "fi;klingon", "Unknown language code %(value)s."),
    ("country", "DE", "Unknown country code %(value)s."),
    ("municipality_code", "12345", None),
    ("start_date", "2026-02-30", "Cannot read the date %(value)s."),
    ("start_date", "1850-01-01", "The date %(value)s is outside the years %(min)s–%(max)s."),
    ("end_date", "31/12/2031", "Cannot read the date %(value)s."),
    ("places", "-1", "The number cannot be negative."),
    ("places", "2.5", "Expected a whole number, got %(value)s."),
    ("mode", "hybrid", "Unknown value %(value)s."),
    ("pace_percent", "0", "The pace must be a percentage from 1 to 100, got %(value)s."),
    ("fee_currency", "euro", "%(value)s is not a currency code such as EUR."),
    ("url", "javascript:alert(1)", "%(value)s is not a valid web address."),
    ("application_closes", "20260-01-01", None),
    ("start_precision", "soonish", "Unknown value %(value)s."),
]


@pytest.mark.parametrize(("key", "value", "message"), CELL_CASES)
def test_cell_problems(tmp_path: Path, key: str, value: str, message: str | None) -> None:
    programmes, offerings, problems = collect(parse(write_csv(tmp_path, edited({key: value}, row=3))))
    assert [(p.ref, p.field) for p in problems] == [("line 6", key)]
    if message:
        assert problems[0].message == message
    assert "line 6" not in {o.ref for o in offerings}  # the bad row yields no records, the others do
    assert len(offerings) == 3


def test_eqf_problem_carries_the_raw_value(tmp_path: Path) -> None:
    (problem,) = collect(parse(write_csv(tmp_path, edited({"eqf_level": "9"}, row=3))))[2]
    assert problem == Problem(
        ref="line 6",
        field="eqf_level",
        message="EQF level must be a whole number from 1 to 8, got %(value)s.",
        params={"value": "9"},
    )


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"programme_id": ""}, ["programme_id"]),
        ({"offering_id": "", "provider": ""}, ["provider", "offering_id"]),
        ({"title_sv": "", "title_en": ""}, ["title_fi"]),
        ({"credits_system": ""}, ["credits_system"]),
        ({"end_date": "2026-01-01"}, ["end_date"]),
        ({"application_opens": "2026-07-01"}, ["application_closes"]),
        ({"start_date": "", "start_year": "2027"}, ["start_season"]),
        (
            {"start_precision": "exact", "start_date": "", "start_year": "2027", "start_season": "autumn"},
            ["start_date"],
        ),
        ({"fee_amount": "10"}, ["fee_currency"]),
        ({"country": ""}, ["country"]),
    ],
)
def test_row_level_problems(tmp_path: Path, changes: dict[str, str], fields: list[str]) -> None:
    assert problems_of(write_csv(tmp_path, edited(changes, row=3))) == [("line 6", field) for field in fields]


def test_duplicate_offering_id(tmp_path: Path) -> None:
    rows = edited({"offering_id": "SAHKO-AKKU-2026S"}, row=2)
    problems = collect(parse(write_csv(tmp_path, rows)))[2]
    assert [(p.ref, p.field, p.code, p.params["line"]) for p in problems] == [
        ("line 4", "offering_id", "duplicate", 2)  # the first data row spans lines 2–3
    ]


def test_programme_described_differently(tmp_path: Path) -> None:
    rows = edited({"eqf_level": "5", "credits_value": "150"}, row=2)
    problems = collect(parse(write_csv(tmp_path, rows)))[2]
    assert [(p.field, p.params["line"]) for p in problems] == [("eqf_level", 2), ("credits_value", 2)]


def test_same_ids_from_different_providers_do_not_collide(tmp_path: Path) -> None:
    rows = edited({"provider": "skelleftea-test", "offering_id": "SAHKO-AKKU-2026S"}, row=4)
    rows[4][rows[0].index("programme_id")] = "SAHKO-AKKU"
    rows = rows[:4] + [rows[4]]
    rows[4][rows[0].index("provider")] = "skelleftea-test"
    programmes, offerings, problems = collect(parse(write_csv(tmp_path, rows)))
    assert problems == []
    assert "skelleftea-test/SAHKO-AKKU" in {p.source_id for p in programmes}
    assert {o.source_id for o in offerings} >= {"osao-test/SAHKO-AKKU-2026S", "skelleftea-test/SAHKO-AKKU-2026S"}


def test_html_and_script_are_kept_as_text(tmp_path: Path) -> None:
    script = '<script>alert("x")</script>; DROP TABLE catalogue_programme; --'
    programmes = collect(parse(write_csv(tmp_path, edited({"title_en": script, "description_en": "<b>ok"}, row=3))))[0]
    assert programmes[1].title["en"] == script
    assert programmes[1].description == {"en": "<b>ok"}


# --- whole-file problems ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", b"   \r\n\r\n", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"\n,,,\n,,\n"],
    ids=["empty", "blank", "bom", "utf16-bom", "only-delimiters"],
)
def test_empty_files_give_one_problem(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(data)
    programmes, offerings, problems = collect(parse(path))
    assert programmes == offerings == []
    assert [p.code for p in problems] == ["empty"]


def test_header_without_rows(tmp_path: Path) -> None:
    (problem,) = collect(parse(write_csv(tmp_path, fixture_rows()[:1])))[2]
    assert problem.message == "The file has a header but no rows."


def test_undecodable_utf16(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + b"\x00\xd8A\x00" + "programme_id\n".encode("utf-16-le"))  # lone surrogate
    problems = collect(parse(path))[2]
    assert problems and problems[0].code == "malformed"


def test_old_xls_and_broken_zip(tmp_path: Path) -> None:
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04" + bytes(100))
    for name in ("old.xls", "broken.xlsx"):
        problems = collect(parse(tmp_path / name))[2]
        assert [p.code for p in problems] == ["malformed"], name


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert [p.code for p in collect(parse(path))[2]] == ["malformed"]


def test_missing_file(tmp_path: Path) -> None:
    assert len(collect(parse(tmp_path / "nope.csv"))[2]) == 1


# --- XLSX ---------------------------------------------------------------------------------------------------


def typed_rows() -> list[list[Any]]:
    """The fixture with the cell types a spreadsheet program produces: numbers, dates and booleans."""
    rows: list[list[Any]] = fixture_rows()
    header = rows[0]
    for row in rows[1:]:
        for key in ("eqf_level", "places", "pace_percent", "exchange_places", "credits_value", "start_year"):
            index = header.index(key)
            row[index] = int(row[index]) if row[index] else ""
        for key in ("start_date", "end_date", "application_closes"):
            index = header.index(key)
            row[index] = dt.date.fromisoformat(row[index]) if row[index] else ""
        index = header.index("municipality_code")
        row[index] = int(row[index])  # 564 typed as a number
        index = header.index("open_for_exchange")
        row[index] = row[index] == "yes"
    return rows


def test_xlsx_with_typed_cells(tmp_path: Path) -> None:
    programmes, offerings, problems = collect(parse(write_xlsx(tmp_path, typed_rows())))
    assert problems == []
    assert len(programmes) == 3 and len(offerings) == 4
    assert offerings[0].start_date == dt.date(2026, 8, 10)
    assert offerings[0].application_windows[0].closes == dt.datetime(2026, 3, 18, 23, 59, 59, tzinfo=HELSINKI)
    assert offerings[2].application_windows[0].opens == dt.datetime(2026, 5, 1, 8, 0, tzinfo=STOCKHOLM)  # ISO string
    assert (offerings[0].municipality_code, offerings[0].open_for_exchange) == ("FI-kunta:564", True)


def test_xlsx_number_id_and_swedish_code_without_leading_zero(tmp_path: Path) -> None:
    rows = typed_rows()
    rows[4][rows[0].index("programme_id")] = 101.0
    rows[3][rows[0].index("municipality_code")] = 180  # 0180 Stockholm typed as a number
    programmes, offerings, problems = collect(parse(write_xlsx(tmp_path, rows)))
    assert problems == []
    assert programmes[2].source_id == "osao-test/101"
    assert (offerings[2].municipality_code, offerings[2].region) == ("SE-kommun:0180", "SE110")


def test_xlsx_formula_without_value(tmp_path: Path) -> None:
    rows = typed_rows()
    rows[3][rows[0].index("places")] = "=10+6"  # openpyxl stores the formula with no cached value
    problems = collect(parse(write_xlsx(tmp_path, rows)))[2]
    assert [(p.ref, p.field, p.message) for p in problems] == [
        ("line 4", "places", "Formula without a value: type the value or recalculate and save.")
    ]


def test_xlsx_formula_with_cached_value_is_read(tmp_path: Path) -> None:
    rows = typed_rows()
    rows[3][rows[0].index("places")] = "=10+6"
    path = write_xlsx(tmp_path, rows, name="plain.xlsx")
    cached = tmp_path / "cached.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(cached, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":  # what a spreadsheet program saves after calculating
                data, count = re.subn(rb"<f>10\+6</f><v\s*/?>(</v>)?", b"<f>10+6</f><v>16</v>", data)
                assert count == 1
            target.writestr(item, data)
    programmes, offerings, problems = collect(parse(cached))
    assert problems == []
    assert offerings[2].places == 16


def test_xlsx_merged_cells(tmp_path: Path) -> None:
    letter = column_letter("provider")

    def merge(sheet: Any) -> None:
        sheet.merge_cells(f"{letter}2:{letter}3")

    problems = collect(parse(write_xlsx(tmp_path, typed_rows(), merge)))[2]
    merged = [p for p in problems if p.params.get("range")]
    assert [(p.ref, p.params["range"]) for p in merged] == [("line 2", f"{letter}2:{letter}3")]


def test_xlsx_empty_workbook_and_header_only(tmp_path: Path) -> None:
    assert [p.code for p in collect(parse(write_xlsx(tmp_path, [])))[2]] == ["empty"]
    header_only = write_xlsx(tmp_path, typed_rows()[:1], name="header.xlsx")
    assert [p.message for p in collect(parse(header_only))[2]] == ["The file has a header but no rows."]


def test_xlsx_header_below_blank_rows_and_time_cell(tmp_path: Path) -> None:
    rows = [[], [], *typed_rows()]
    rows[3][rows[2].index("start_date")] = dt.time(8, 30)
    problems = collect(parse(write_xlsx(tmp_path, rows)))[2]
    assert [(p.ref, p.field) for p in problems] == [("line 4", "start_date")]


# --- cross-source identifiers -------------------------------------------------------------------------------


def test_same_id_string_in_two_sources_keeps_its_source(tmp_path: Path) -> None:
    susa_id = "i.uh.umu.5KE123"
    rows = edited({"programme_id": susa_id}, row=4)
    spreadsheet_programmes = collect(parse(write_csv(tmp_path, rows)))[0]
    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "susa"
    susa_programmes = [i for i in susa_emil3.parse(fixtures) if isinstance(i, ProgrammeRecord)]
    mine = next(p for p in spreadsheet_programmes if p.source_id.endswith(susa_id))
    theirs = next(p for p in susa_programmes if p.source_id == susa_id)
    assert (mine.source, theirs.source) == ("spreadsheet", "se-susa-emil3")


# --- property-based: parse never raises ---------------------------------------------------------------------

CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "0713", "yes", "2026-08-10", "1850-01-01", "=1+1", "FI", "564", "-1", "7,5", "<b>x</b>"]),
)


def _parse_bytes(data: bytes, suffix: str = ".csv") -> list[ParsedItem]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"input{suffix}"
        path.write_bytes(data)
        items = list(parse(path))
    for item in items:
        assert isinstance(item, ProgrammeRecord | OfferingRecord | Problem)
        assert not isinstance(item, ProviderRecord)
    return items


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes_never_raise(data: bytes) -> None:
    _parse_bytes(data)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(CELL, max_size=8), max_size=6),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
def test_random_rows_never_raise(rows: list[list[str]], delimiter: str, encoding: str) -> None:
    header = [row for row in fixture_rows()[:1]]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(header + rows)
    _parse_bytes(buffer.getvalue().encode(encoding, errors="replace"))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_fixture_with_random_cells_never_raises(data: st.DataObject) -> None:
    rows = fixture_rows()
    for _ in range(data.draw(st.integers(1, 6))):
        row = data.draw(st.integers(0, len(rows) - 1))
        column = data.draw(st.integers(0, len(rows[0]) - 1))
        rows[row][column] = data.draw(CELL)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    _parse_bytes(buffer.getvalue().encode())


XLSX_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=12)  # storable in XLSX
XLSX_CELL = st.one_of(
    XLSX_TEXT,
    st.sampled_from(["", "0713", "yes", "2026-08-10", "1850-01-01", "FI", "564", "-1", "7,5", "<b>x</b>"]),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2200, 1, 1)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_xlsx_with_random_cells_never_raises(data: st.DataObject) -> None:
    rows: list[list[Any]] = typed_rows()
    for _ in range(data.draw(st.integers(1, 6))):
        row = data.draw(st.integers(0, len(rows) - 1))
        column = data.draw(st.integers(0, len(rows[0]) - 1))
        rows[row][column] = data.draw(XLSX_CELL)
    with tempfile.TemporaryDirectory() as directory:
        path = write_xlsx(Path(directory), rows)
        _parse_bytes(path.read_bytes(), suffix=".xlsx")


# --- end to end through the writer --------------------------------------------------------------------------

needs_writer = pytest.mark.skipif(not hasattr(writer, "run_import"), reason="the writer has not landed yet")


@needs_writer
@pytest.mark.django_db
def test_import_through_the_writer(org_a: Any, org_b: Any) -> None:
    from battery_region.catalogue.models import Offering, Programme

    report = writer.run_import(lambda: parse(FIXTURE))
    assert report.ok, report.problem_lines()
    assert Programme.objects.filter(source=SOURCE).count() == 3
    assert Offering.objects.filter(source=SOURCE).count() == 4
    vux = Programme.objects.get(source=SOURCE, source_id="skelleftea-test/BATT-VUX")
    assert vux.provider == org_b and vux.title_sv == "Batterimontör – yrkesvux"
    assert Offering.objects.get(source_id="osao-test/SAHKO-AKKU-2027K").start_season == "spring"

    again = writer.run_import(lambda: parse(FIXTURE))
    assert again.ok and all(c["created"] == c["updated"] == 0 for c in again.counts.values())


@needs_writer
@pytest.mark.django_db
def test_one_bad_cell_writes_nothing(tmp_path: Path, org_a: Any, org_b: Any) -> None:
    from battery_region.catalogue.models import Programme

    report = writer.run_import(lambda: parse(write_csv(tmp_path, edited({"eqf_level": "9"}, row=3))))
    assert not report.ok
    assert [(line["record"], line["field"]) for line in report.problem_lines()] == [("line 6", "eqf_level")]
    assert Programme.objects.count() == 0


@needs_writer
@pytest.mark.django_db
def test_same_id_in_spreadsheet_and_susa_are_two_programmes(tmp_path: Path, org_a: Any, org_b: Any) -> None:
    """(source, source_id) is the key: one id string imported from two sources gives two programmes."""
    from battery_region.catalogue.models import Programme

    shared = "osao-test/SAFETY-ONLINE"  # the spreadsheet's id of its online course, reused as a Susa id
    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "susa"
    susa = tmp_path / "susa"
    susa.mkdir()
    for name in ("educationInfos.json", "educationEvents.json", "educationProviders.json"):
        text = (fixtures / name).read_text(encoding="utf-8").replace('"i.fhs.batterisakerhet"', f'"{shared}"')
        (susa / name).write_text(text, encoding="utf-8")
    assert writer.run_import(lambda: susa_emil3.parse(susa)).ok
    report = writer.run_import(lambda: parse(FIXTURE))
    assert report.ok, report.problem_lines()
    rows = Programme.objects.filter(source_id=shared).order_by("source")
    assert [(p.source, p.provider.slug == "osao-test") for p in rows] == [
        ("se-susa-emil3", False),
        ("spreadsheet", True),
    ]
