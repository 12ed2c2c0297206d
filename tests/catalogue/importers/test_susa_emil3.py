"""Susa-navet EMIL3 parser: fixtures that provably follow Skolverket's OpenAPI document, the field mapping of
education-data.md §5.2/§5.3, and bad input that must give Problems, never exceptions."""

from __future__ import annotations

import codecs
import copy
import datetime as dt
import json
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from battery_region.catalogue.importers import writer
from battery_region.catalogue.importers.records import (
    OfferingRecord,
    ParsedItem,
    Problem,
    ProgrammeRecord,
    ProviderRecord,
)
from battery_region.catalogue.importers.susa_emil3 import SOURCE, parse, se_region_for_municipality
from battery_region.catalogue.importers.validation import validate_offering, validate_programme, validate_provider

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "susa"
SPEC = FIXTURES / "susa-navet-emil3.yaml"
STOCKHOLM = ZoneInfo("Europe/Stockholm")

# Fixture file → the OpenAPI component schema its body must satisfy.
FIXTURE_SCHEMAS = {
    "educationInfos.json": "EducationInfoListResponse",
    "educationEvents.json": "EducationEventListResponse",
    "educationProviders.json": "EducationProviderListResponse",
    "single/educationInfo.json": "EducationInfoResponse",
    "single/educationEvent.json": "EducationEventResponse",
    "single/educationProvider.json": "EducationProviderResponse",
    "harvest/educationInfos.page-0.json": "EducationInfoListResponse",
    "harvest/educationInfos.page-1.json": "EducationInfoListResponse",
}
# The published document requires `subject` and `emailAddress` but defines `subjects` and `emailAddresses`
# (see tests/fixtures/susa/SOURCES.md); these two names, and only these, are corrected before validating.
SPEC_REQUIRED_TYPOS = {
    ("EducationInfo", "subject"): "subjects",
    ("EducationProvider", "emailAddress"): "emailAddresses",
}


# --- helpers ------------------------------------------------------------------------------------------------


def collect(
    items: Iterable[ParsedItem],
) -> tuple[list[ProviderRecord], list[ProgrammeRecord], list[OfferingRecord], list[Problem]]:
    providers, programmes, offerings, problems = [], [], [], []
    for item in items:
        if isinstance(item, ProviderRecord):
            providers.append(item)
        elif isinstance(item, ProgrammeRecord):
            programmes.append(item)
        elif isinstance(item, OfferingRecord):
            offerings.append(item)
        elif isinstance(item, Problem):
            problems.append(item)
        else:  # pragma: no cover - the contract says nothing else may come out
            raise AssertionError(f"parse() yielded {item!r}")
    return providers, programmes, offerings, problems


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def content_of(name: str, identifier: str) -> dict[str, Any]:
    """A deep copy of one resource's content from a list fixture, to be modified by a test."""
    document = load(name)
    key = next(key for key in ("educationInfos", "educationEvents", "educationProviders") if key in document)
    return copy.deepcopy(next(e["content"] for e in document[key] if e["id"] == identifier))


def write_json(directory: Path, name: str, document: Any, encoding: str = "utf-8") -> Path:
    path = directory / name
    path.write_bytes(json.dumps(document, ensure_ascii=False).encode(encoding))
    return path


def listing(key: str, *contents: dict[str, Any], status: str = "active") -> dict[str, Any]:
    return {
        key: [{"id": c.get("identifier"), "status": status, "content": c} for c in contents],
        "page": {"size": 100, "totalElements": len(contents), "totalPages": 1, "pageNumber": 0},
    }


def by_id(records: Iterable[Any]) -> dict[str, Any]:
    return {record.source_id: record for record in records}


@cache
def _spec() -> dict[str, Any]:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    for (schema, wrong), right in SPEC_REQUIRED_TYPOS.items():
        schemas[schema]["required"] = [right if name == wrong else name for name in schemas[schema]["required"]]
    return spec


def validator(schema_name: str) -> OAS30Validator:
    registry = Registry().with_resource("urn:emil3", Resource.from_contents(_spec(), default_specification=DRAFT4))
    format_checker = copy.deepcopy(oas30_format_checker)

    @format_checker.checks("date-time-local", raises=ValueError)
    def _local(value: object) -> bool:  # the document's own format: an ISO date-time without an offset
        return not isinstance(value, str) or dt.datetime.fromisoformat(value).tzinfo is None

    return OAS30Validator(
        {"$ref": f"urn:emil3#/components/schemas/{schema_name}"}, registry=registry, format_checker=format_checker
    )


# --- the fixtures follow the specification ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "schema"), sorted(FIXTURE_SCHEMAS.items()))
def test_fixture_conforms_to_openapi(name: str, schema: str) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(schema).iter_errors(load(name))]
    assert errors == []


def test_spec_required_typos_are_the_only_mismatches() -> None:
    raw = yaml.safe_load(SPEC.read_text(encoding="utf-8"))["components"]["schemas"]
    mismatches = {
        (name, required)
        for name, schema in raw.items()
        for required in schema.get("required", [])
        if "properties" in schema and required not in schema["properties"]
    }
    assert mismatches == set(SPEC_REQUIRED_TYPOS)


def test_validator_really_checks_discriminated_codes() -> None:
    document = load("single/educationInfo.json")
    document["content"]["credits"]["system"]["code"] = "ects"
    document["content"]["subjects"][0]["code"] = "9999"
    messages = " ".join(e.message for e in validator("EducationInfoResponse").iter_errors(document))
    assert "'ects' is not one of" in messages
    assert "'9999' is not one of" in messages


def test_every_fixture_is_covered() -> None:
    on_disk = {str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*.json")}
    assert on_disk == set(FIXTURE_SCHEMAS)


# --- mapping ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parsed() -> tuple[list[ProviderRecord], list[ProgrammeRecord], list[OfferingRecord], list[Problem]]:
    return collect(parse(FIXTURES))


def test_directory_parses_without_problems(parsed: Any) -> None:
    providers, programmes, offerings, problems = parsed
    assert problems == []
    assert (len(providers), len(programmes), len(offerings)) == (4, 4, 5)
    for record in [*providers, *programmes, *offerings]:
        assert record.source == SOURCE


def test_records_pass_the_writers_validation(parsed: Any) -> None:
    providers, programmes, offerings, _ = parsed
    problems = [p for r in providers for p in validate_provider(r)]
    problems += [p for r in programmes for p in validate_programme(r)]
    problems += [p for r in offerings for p in validate_offering(r)]
    assert problems == []


def test_yh_programme(parsed: Any) -> None:
    yh = by_id(parsed[1])["i.yh.batteriteknik-produktion"]
    assert yh.ref == "educationInfo i.yh.batteriteknik-produktion"
    assert yh.title == {"sv": "Batteriteknik – produktion", "en": "Battery technology – production"}
    assert yh.description["sv"].startswith("<p>Utbildningen ger kunskaper i <strong>")  # HTML kept as given
    assert yh.provider_source_id == "p.yh.campus-skelleftea"  # learnt from the education's event
    assert (yh.credits_value, yh.credits_system) == (Decimal(400), "se_yhp")
    assert yh.isced_fields == ["0713", "0711"]  # C_Subject_ISCED2013 only; the SUN code is not ISCED-F
    assert yh.isced_level == 5  # C_EducationLevel ISCED_5; the free YH_EducationLevel is ignored
    assert yh.eqf_level is None and yh.nqf_level is None  # qualificationLevel semantics unconfirmed (§5.3)
    assert (yh.kind, yh.national_type, yh.national_code) == ("programme", "YH", "YH00123-2026")
    assert yh.is_vocational and yh.leads_to_qualification
    assert yh.qualification_title["sv"] == "Kvalificerad yrkeshögskoleexamen"
    assert yh.source_url == "https://www.example.se/campus-skelleftea/yh/batteriteknik"
    assert yh.source_modified == dt.datetime(2026, 1, 12, 9, 20, tzinfo=STOCKHOLM)
    assert yh.published
    assert yh.raw["content"]["qualificationLevel"]["code"] == "6"  # kept for later


def test_komvux_university_and_folk_high_school_programmes(parsed: Any) -> None:
    programmes = by_id(parsed[1])
    komvux = programmes["i.vux.elkraftteknik-batteri"]
    assert (komvux.credits_value, komvux.credits_system, komvux.kind, komvux.isced_level) == (
        Decimal(100),
        "se_gyp",
        "course",
        3,
    )
    course = programmes["i.uh.umu.5KE123"]
    assert (course.credits_value, course.credits_system) == (Decimal("7.5"), "se_hp")
    assert course.isced_fields == ["0531"] and course.isced_level == 6
    assert course.title == {"sv": "Batterikemi", "en": "Battery chemistry"}
    assert not course.is_vocational
    fhs = programmes["i.fhs.batterisakerhet"]  # `fup` has no defined unit: no credits, raw keeps them
    assert (fhs.credits_value, fhs.credits_system) == (None, "")
    assert fhs.raw["content"]["credits"] == {"system": {"type": "C_Credits", "code": "fup"}, "credits": 4}


def test_yh_offering(parsed: Any) -> None:
    event = by_id(parsed[2])["e.yh.batteriteknik-produktion.2026"]
    assert (event.programme_source_id, event.provider_source_id) == (
        "i.yh.batteriteknik-produktion",
        "p.yh.campus-skelleftea",
    )
    assert (event.country, event.municipality_code, event.region, event.place_name) == (
        "SE",
        "SE-kommun:2482",
        "SE331",
        "Skellefteå",
    )
    assert (event.start_precision, event.start_date, event.end_date) == (
        "exact",
        dt.date(2026, 8, 24),
        dt.date(2028, 6, 9),
    )
    assert (event.places, event.pace_percent, event.pace, event.mode, event.status) == (
        35,
        100,
        "full_time",
        "presential",
        "published",
    )
    assert event.teaching_languages == ["sv"]
    assert event.title == {"sv": "Batteriteknik – produktion, start hösten 2026"}
    (window,) = event.application_windows
    assert window.opens == dt.datetime(2026, 2, 1, tzinfo=STOCKHOLM)
    assert window.closes == dt.datetime(2026, 4, 15, 23, 59, 59, tzinfo=STOCKHOLM)
    assert (window.continuous, window.url) == (False, "https://www.example.se/campus-skelleftea/ansok")


def test_komvux_apprenticeship_offering(parsed: Any) -> None:
    event = by_id(parsed[2])["e.vux.elkraftteknik-batteri.2026ht"]
    assert (event.mode, event.pace, event.pace_percent) == ("work_based", "part_time", 50)
    (window,) = event.application_windows
    assert window.continuous and window.opens is None and window.closes is None


def test_university_offerings(parsed: Any) -> None:
    events = by_id(parsed[2])
    autumn = events["e.uh.umu.5KE123.ht2026"]
    assert autumn.mode == "blended"  # distance course with on-site sessions
    assert autumn.teaching_languages == ["en", "sv"]
    assert (autumn.municipality_code, autumn.region) == ("SE-kommun:2480", "SE331")
    assert (autumn.fee_amount, autumn.fee_currency) == (None, "")  # the only fee is conditional (non-EU/EEA)
    spring = events["e.uh.umu.5KE123.vt2027"]
    assert spring.status == "cancelled"
    assert (spring.start_precision, spring.start_year, spring.start_season, spring.start_date) == (
        "season",
        2027,
        "spring",
        None,
    )


def test_folk_high_school_online_offering(parsed: Any) -> None:
    event = by_id(parsed[2])["e.fhs.batterisakerhet.2026"]
    assert (event.mode, event.fee_amount, event.fee_currency) == ("online", Decimal(1500), "SEK")
    assert (event.municipality_code, event.region) == ("SE-kommun:2481", "SE331")


def test_providers(parsed: Any) -> None:
    providers = by_id(parsed[0])
    umu = providers["p.uh.umu"]
    assert (umu.kind, umu.country, umu.municipality_code, umu.region) == (
        "university",
        "SE",
        "SE-kommun:2480",
        "SE331",
    )
    assert umu.name == {"sv": "Umeå universitet", "en": "Umeå University"}
    assert umu.website == "https://www.example.se/umu"
    campus = providers["p.yh.campus-skelleftea"]
    assert (campus.kind, campus.municipality_code) == ("education_provider", "SE-kommun:2482")
    assert campus.description["sv"].startswith("Yrkeshögskoleutbildningar")


@pytest.mark.parametrize(
    "name", ["single/educationInfo.json", "single/educationEvent.json", "single/educationProvider.json"]
)
def test_single_responses(name: str) -> None:
    providers, programmes, offerings, problems = collect(parse(FIXTURES / name))
    assert problems == []
    assert len(providers) + len(programmes) + len(offerings) == 1


def test_single_info_alone_cannot_know_its_provider() -> None:
    (programme,) = collect(parse(FIXTURES / "single/educationInfo.json"))[1]
    assert programme.provider_source_id == ""  # the writer reports it; see the module docstring


def test_combined_document_with_all_three_arrays(tmp_path: Path) -> None:
    document = {**load("educationInfos.json"), **load("educationEvents.json"), **load("educationProviders.json")}
    providers, programmes, offerings, problems = collect(parse(write_json(tmp_path, "all.json", document)))
    assert problems == []
    assert (len(providers), len(programmes), len(offerings)) == (4, 4, 5)
    assert by_id(programmes)["i.uh.umu.5KE123"].provider_source_id == "p.uh.umu"  # events came after infos


def test_top_level_array_of_bare_objects(tmp_path: Path) -> None:
    items = [content_of("educationEvents.json", "e.fhs.batterisakerhet.2026"), load("single/educationProvider.json")]
    providers, _, offerings, problems = collect(parse(write_json(tmp_path, "mixed.json", items)))
    assert problems == [] and len(providers) == 1 and len(offerings) == 1


def test_region_table() -> None:
    assert se_region_for_municipality("2482") == "SE331"  # Skellefteå, Västerbotten
    assert se_region_for_municipality("2580") == "SE332"  # Luleå, Norrbotten
    assert se_region_for_municipality("2281") == "SE321"  # Sundsvall, Västernorrland
    assert se_region_for_municipality("9999") == ""
    assert se_region_for_municipality("24") == ""


# --- deletions ----------------------------------------------------------------------------------------------


def test_deleted_resources(tmp_path: Path) -> None:
    event = content_of("educationEvents.json", "e.yh.batteriteknik-produktion.2026")
    info = content_of("educationInfos.json", "i.yh.batteriteknik-produktion")
    document = {
        **listing("educationEvents", event, status="deleted"),
        "educationInfos": [
            {"id": info["identifier"], "status": "DELETED", "content": info},
            {"id": "i.gone", "status": "deleted"},
            {"id": "i.gone.too", "status": "deleted", "content": None},
        ],
    }
    _, programmes, offerings, problems = collect(parse(write_json(tmp_path, "deleted.json", document)))
    assert problems == []
    assert [o.status for o in offerings] == ["archived"]
    assert [(p.source_id, p.published) for p in programmes] == [("i.yh.batteriteknik-produktion", False)]


# --- bad input ----------------------------------------------------------------------------------------------


def only_problems(path: Path) -> list[Problem]:
    providers, programmes, offerings, problems = collect(parse(path))
    return problems


def test_empty_and_blank_files(tmp_path: Path) -> None:
    for name, data in (("empty.json", b""), ("blank.json", b"  \n\t "), ("bom-only.json", codecs.BOM_UTF8)):
        (tmp_path / name).write_bytes(data)
        problems = only_problems(tmp_path / name)
        assert [p.code for p in problems] == ["empty"], name


def test_missing_file_and_empty_directory(tmp_path: Path) -> None:
    assert len(only_problems(tmp_path / "nope.json")) == 1
    (tmp_path / "empty-dir").mkdir()
    assert len(only_problems(tmp_path / "empty-dir")) == 1


def test_malformed_json_keeps_earlier_records_and_reports(tmp_path: Path) -> None:
    text = (FIXTURES / "educationProviders.json").read_text(encoding="utf-8")
    cut = text.index('"p.vux.skelleftea"')
    (tmp_path / "cut.json").write_text(text[:cut], encoding="utf-8")
    providers, _, _, problems = collect(parse(tmp_path / "cut.json"))
    assert [p.source_id for p in providers] == ["p.yh.campus-skelleftea"]
    assert [(p.ref, p.code) for p in problems] == [("cut.json", "malformed")]


@pytest.mark.parametrize("document", ["[1, 2", "{,}", "nul", '{"educationInfos": [}', "]"])
def test_broken_json(tmp_path: Path, document: str) -> None:
    (tmp_path / "bad.json").write_text(document, encoding="utf-8")
    providers, programmes, offerings, problems = collect(parse(tmp_path / "bad.json"))
    assert providers == programmes == offerings == []
    assert (problems[-1].ref, problems[-1].code) == ("bad.json", "malformed")  # the syntax error ends the stream


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_unicode_encodings_give_the_same_records(tmp_path: Path, encoding: str) -> None:
    expected = collect(parse(FIXTURES / "educationProviders.json"))
    path = write_json(tmp_path, "providers.json", load("educationProviders.json"), encoding)
    got = collect(parse(path))
    assert got[3] == []
    assert [r.name for r in got[0]] == [r.name for r in expected[0]]


def test_latin1_is_not_json(tmp_path: Path) -> None:
    umu = content_of("educationProviders.json", "p.uh.umu")  # "Umeå": encodable in Latin-1, not UTF-8
    path = write_json(tmp_path, "latin1.json", listing("educationProviders", umu), "latin-1")
    problems = only_problems(path)
    assert len(problems) == 1 and "UTF-8" in problems[0].params["encoding"].upper()


def test_not_emil3_documents(tmp_path: Path) -> None:
    for index, document in enumerate([42, "text", {"hello": "world"}, [1, "a"], {"educationInfos": [3]}]):
        problems = only_problems(write_json(tmp_path, f"doc{index}.json", document))
        assert problems, document
        assert all(p.code in {"malformed", "required"} for p in problems)


def test_empty_list_response_is_fine(tmp_path: Path) -> None:
    assert collect(parse(write_json(tmp_path, "none.json", listing("educationEvents")))) == ([], [], [], [])


def test_unknown_codes(tmp_path: Path) -> None:
    info = content_of("educationInfos.json", "i.yh.batteriteknik-produktion")
    info["credits"]["system"]["code"] = "ects"
    info["educationLevels"] = [{"type": "C_EducationLevel", "code": "ISCED_9"}]
    info["subjects"] = [{"type": "C_Subject_ISCED2013", "code": "7130"}]
    event = content_of("educationEvents.json", "e.yh.batteriteknik-produktion.2026")
    event["locations"][0]["areaCode"] = "24"
    event["languageOfInstructions"] = ["swe", "12"]
    document = {**listing("educationInfos", info), **listing("educationEvents", event)}
    problems = only_problems(write_json(tmp_path, "codes.json", document))
    fields = sorted((p.ref.split()[0], p.field) for p in problems)
    assert fields == [
        ("educationEvent", "languageOfInstructions"),
        ("educationEvent", "locations.areaCode"),
        ("educationInfo", "credits.system"),
        ("educationInfo", "educationLevels"),
        ("educationInfo", "subjects"),
    ]


def test_dates_out_of_range_or_unreadable(tmp_path: Path) -> None:
    event = content_of("educationEvents.json", "e.yh.batteriteknik-produktion.2026")
    event["execution"]["start"] = "1850-01-01"
    event["execution"]["end"] = "2026-13-40"
    event["application"]["first"] = "20260-02-01"
    event["lastEdited"] = "yesterday"
    problems = only_problems(write_json(tmp_path, "dates.json", listing("educationEvents", event)))
    assert sorted((p.field, p.code) for p in problems) == [
        ("application.first", "out_of_range"),
        ("execution.end", "invalid"),
        ("execution.start", "out_of_range"),
        ("lastEdited", "invalid"),
    ]
    assert all(p.ref == "educationEvent e.yh.batteriteknik-produktion.2026" for p in problems)


def test_inconsistent_numbers_and_dates(tmp_path: Path) -> None:
    event = content_of("educationEvents.json", "e.yh.batteriteknik-produktion.2026")
    event["execution"]["end"] = "2025-01-01"
    event["application"]["last"] = "2026-01-01"
    event["places"] = -3
    event["paceOfStudy"]["percentage"] = 150
    event["fees"] = [{"totalAmount": "lots", "currency": "kronor"}]
    problems = only_problems(write_json(tmp_path, "numbers.json", listing("educationEvents", event)))
    assert sorted(p.field for p in problems) == [
        "application.last",
        "execution.end",
        "fees.currency",
        "fees.totalAmount",
        "paceOfStudy.percentage",
        "places",
    ]


def test_missing_required_parts(tmp_path: Path) -> None:
    info = content_of("educationInfos.json", "i.vux.elkraftteknik-batteri")
    info["title"] = {"strings": [{"lang": "deu", "content": "Nur Deutsch"}]}
    event = content_of("educationEvents.json", "e.fhs.batterisakerhet.2026")
    del event["education"]
    event["providers"] = []
    provider = content_of("educationProviders.json", "p.uh.umu")
    provider["name"] = {"strings": []}
    no_id = content_of("educationProviders.json", "p.vux.skelleftea")
    del no_id["identifier"]
    document = {
        **listing("educationInfos", info),
        **listing("educationEvents", event),
        "educationProviders": [{"status": "active", "content": provider}, {"content": no_id}, "not an object"],
    }
    problems = only_problems(write_json(tmp_path, "missing.json", document))
    assert sorted(p.field for p in problems) == ["", "education", "identifier", "name", "providers", "title"]


def test_duplicate_ids_in_one_file(tmp_path: Path) -> None:
    provider = content_of("educationProviders.json", "p.uh.umu")
    twin = copy.deepcopy(provider)
    twin["name"] = {"strings": [{"lang": "swe", "content": "Ett annat namn"}]}
    providers, _, _, problems = collect(
        parse(write_json(tmp_path, "dup.json", listing("educationProviders", provider, twin)))
    )
    assert [p.name["sv"] for p in providers] == ["Umeå universitet"]  # the first stands
    assert [(p.code, p.params) for p in problems] == [("duplicate", {"value": "p.uh.umu"})]


def test_duplicate_ids_across_files_of_one_directory(tmp_path: Path) -> None:
    write_json(tmp_path, "a.json", load("educationProviders.json"))
    write_json(tmp_path, "b.json", load("educationProviders.json"))
    problems = only_problems(tmp_path)
    assert len(problems) == 4 and {p.code for p in problems} == {"duplicate"}


def test_same_id_in_different_resources_is_fine(tmp_path: Path) -> None:
    info = content_of("educationInfos.json", "i.uh.umu.5KE123")
    event = content_of("educationEvents.json", "e.uh.umu.5KE123.ht2026")
    event["identifier"] = info["identifier"]  # ids are unique per resource type, not across them
    document = {**listing("educationInfos", info), **listing("educationEvents", event)}
    _, programmes, offerings, problems = collect(parse(write_json(tmp_path, "same.json", document)))
    assert problems == [] and programmes[0].source_id == offerings[0].source_id


def test_html_and_script_are_kept_as_text(tmp_path: Path) -> None:
    provider = content_of("educationProviders.json", "p.uh.umu")
    nasty = '<script>alert("x")</script><img src=x onerror=alert(1)> Umeå & co'
    provider["name"] = {"strings": [{"lang": "swe", "content": nasty}]}
    provider["description"] = {"strings": [{"lang": "eng", "value": "</p><p>Only in value"}]}
    (record,) = collect(parse(write_json(tmp_path, "html.json", listing("educationProviders", provider))))[0]
    assert record.name == {"sv": nasty}
    assert record.description == {"en": "</p><p>Only in value"}


# --- property-based: parse never raises ---------------------------------------------------------------------

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return document


def _parse_bytes(data: bytes) -> list[ParsedItem]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "input.json"
        path.write_bytes(data)
        return list(parse(path))


def _assert_contract(items: list[ParsedItem]) -> None:
    for item in items:
        assert isinstance(item, ProviderRecord | ProgrammeRecord | OfferingRecord | Problem)
        if isinstance(item, Problem):
            assert isinstance(item.message, str) and isinstance(item.params, dict)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data: bytes) -> None:
    _assert_contract(_parse_bytes(data))


@settings(max_examples=150, deadline=None)
@given(JSON_VALUES)
def test_random_json_never_raises(document: Any) -> None:
    _assert_contract(_parse_bytes(json.dumps(document).encode()))


FIXTURE_DOCUMENTS = [load(name) for name in ("educationInfos.json", "educationEvents.json", "educationProviders.json")]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_fixtures_never_raise(data: st.DataObject) -> None:
    document = copy.deepcopy(data.draw(st.sampled_from(FIXTURE_DOCUMENTS)))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(list(_paths(document))))
        document = _replace(document, path, data.draw(JSON_VALUES))
    _assert_contract(_parse_bytes(json.dumps(document, ensure_ascii=False).encode()))


# --- end to end through the writer --------------------------------------------------------------------------

needs_writer = pytest.mark.skipif(not hasattr(writer, "run_import"), reason="the writer has not landed yet")


@needs_writer
@pytest.mark.django_db
def test_import_through_the_writer_is_idempotent() -> None:
    from battery_region.catalogue.models import Offering, Programme
    from battery_region.organisations.models import Organisation

    report = writer.run_import(lambda: parse(FIXTURES))
    assert report.ok, report.problem_lines()
    assert Organisation.objects.filter(source=SOURCE).count() == 4
    assert Programme.objects.filter(source=SOURCE).count() == 4
    assert Offering.objects.filter(source=SOURCE).count() == 5
    yh = Programme.objects.get(source=SOURCE, source_id="i.yh.batteriteknik-produktion")
    assert yh.provider.source_id == "p.yh.campus-skelleftea"
    assert sorted(yh.isced_fields.values_list("code", flat=True)) == ["0711", "0713"]
    offering = Offering.objects.get(source=SOURCE, source_id="e.yh.batteriteknik-produktion.2026")
    assert (offering.region, offering.municipality_code, offering.places) == ("SE331", "SE-kommun:2482", 35)
    assert offering.application_windows.count() == 1

    again = writer.run_import(lambda: parse(FIXTURES))
    assert again.ok
    assert all(c["created"] == 0 and c["updated"] == 0 for c in again.counts.values())


@needs_writer
@pytest.mark.django_db
def test_bad_file_writes_nothing(tmp_path: Path) -> None:
    from battery_region.catalogue.models import Programme

    info = content_of("educationInfos.json", "i.yh.batteriteknik-produktion")
    info["credits"]["system"]["code"] = "ects"
    document = {**load("educationInfos.json"), "educationInfos": [*load("educationInfos.json")["educationInfos"]]}
    document["educationInfos"].append({"id": "x", "status": "active", "content": {**info, "identifier": "x"}})
    write_json(tmp_path, "infos.json", document)
    write_json(tmp_path, "events.json", load("educationEvents.json"))
    write_json(tmp_path, "providers.json", load("educationProviders.json"))
    report = writer.run_import(lambda: parse(tmp_path))
    assert not report.ok
    assert [line["field"] for line in report.problem_lines()] == ["credits.system"]
    assert Programme.objects.count() == 0
