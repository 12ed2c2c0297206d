"""ELM v3 JSON-LD parser: the EC sample, hand-written nodes, bad input, streaming, and the writer end to end."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from battery_region.catalogue.importers import elm
from battery_region.catalogue.importers import writer as writer_module
from battery_region.catalogue.importers.elm import elm_text, parse, parse_stream
from battery_region.catalogue.importers.records import (
    OfferingRecord,
    ParsedItem,
    Problem,
    ProgrammeRecord,
    ProviderRecord,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "elm"
BAD = FIXTURES / "bad"
SAMPLE = FIXTURES / "Sample-MC-Annex1-unsigned.jsonld"
HAND_WRITTEN = FIXTURES / "learning-opportunities.jsonld"
CREDENTIAL = "urn:credential:3ef0ac26-9a1f-41c6-871b-2b82e670907b"


def items_of(path: Path) -> list[ParsedItem]:
    return list(parse(path))


def problems(items: list[ParsedItem]) -> list[Problem]:
    return [item for item in items if isinstance(item, Problem)]


def single_problem(items: list[ParsedItem]) -> Problem:
    """The one item of a file that could not be read at all."""
    assert len(items) == 1 and isinstance(items[0], Problem), items
    return items[0]


def only(items: list[ParsedItem], kind: type) -> list[Any]:
    return [item for item in items if isinstance(item, kind)]


def by_id(items: list[ParsedItem], source_id: str) -> Any:
    return next(item for item in items if not isinstance(item, Problem) and item.source_id == source_id)


# --- the EC sample ------------------------------------------------------------------------------------------


def test_ec_sample_qualification_nested_in_a_credential() -> None:
    items = items_of(SAMPLE)
    assert problems(items) == []
    [programme] = only(items, ProgrammeRecord)
    assert programme.source == "elm"
    assert programme.source_id == f"{CREDENTIAL}#urn:epass:qualification:1"
    assert programme.title == {"en": "Digital micro-credential creation"}
    assert programme.kind == "qualification"
    assert programme.leads_to_qualification is True
    assert programme.eqf_level == 6
    assert programme.isced_fields == ["003", "0688"]
    assert (programme.credits_value, programme.credits_system) == (Decimal(2), "ects")
    assert programme.learning_outcomes == {
        "en": "Communication, collaboration and creativity; Developing digital content"
    }
    assert programme.raw["id"] == "urn:epass:qualification:1"
    [provider] = only(items, ProviderRecord)
    assert provider.source_id == f"{CREDENTIAL}#urn:epass:org:1"  # the awarding body, once despite 4 copies
    assert programme.provider_source_id == provider.source_id
    assert provider.name == {"en": "University of Zed"}
    assert provider.country == "XX"  # Ireland: outside the partnership's countries
    assert provider.website == "https://uniz.edu"
    assert only(items, OfferingRecord) == []


def test_hand_written_learning_opportunity_with_embedded_specification() -> None:
    items = items_of(HAND_WRITTEN)
    assert problems(items) == []
    offering = by_id(items, "https://example.org/battery-region/lo/akkuasentaja-2026")
    assert isinstance(offering, OfferingRecord)
    assert offering.title == {"fi": "Akkuasentajan koulutus, syksy 2026", "en": "Battery fitter training, autumn 2026"}
    assert offering.programme_source_id == "https://example.org/battery-region/las/akkuasentaja"
    assert offering.provider_source_id == "https://example.org/battery-region/org/oulu-vet"
    assert offering.teaching_languages == ["fi"]
    assert offering.country == "FI"  # from its provider, having no location of its own
    assert (offering.start_date, offering.end_date, offering.start_year) == (
        dt.date(2026, 8, 10),
        dt.date(2027, 6, 4),
        2026,
    )
    assert (offering.duration, offering.mode, offering.pace) == ("P10M", "presential", "full_time")
    assert offering.url == "https://example.org/battery-region/akkuasentaja"
    assert offering.source_url == offering.source_id
    [window] = offering.application_windows
    assert window.closes == dt.datetime(2026, 5, 31, 20, 59, tzinfo=dt.UTC)
    specification = by_id(items, "https://example.org/battery-region/las/akkuasentaja")
    assert specification.title == {"fi": "Akkuasentaja", "sv": "Batterimontör", "en": "Battery fitter"}
    assert specification.provider_source_id == offering.provider_source_id  # inherited from the opportunity
    assert (specification.credits_value, specification.credits_system) == (Decimal(45), "fi_osp")  # Finnish ECVET
    assert specification.learning_outcomes["en"] == "Assembles battery modules safely."
    assert (specification.isced_fields, specification.eqf_level, specification.kind) == (["0713"], 4, "programme")
    provider = by_id(items, "https://example.org/battery-region/org/oulu-vet")
    assert (provider.country, provider.region) == ("FI", "FI1D9")
    qualification = by_id(items, "https://example.org/battery-region/qualification/recycling")
    assert (qualification.credits_value, qualification.credits_system) == (Decimal("7.5"), "ects")
    assert qualification.eqf_level == 5 and qualification.isced_fields == ["0712"]
    assert len(only(items, ProviderRecord)) == 1


def test_text_shapes() -> None:
    assert elm_text({"en": "A", "fi": ["B", "C"], "de": "D"}) == {"en": "A", "fi": "B"}
    assert elm_text([{"@language": "sv", "@value": "S"}, {"@value": "E"}]) == {"sv": "S", "en": "E"}
    assert elm_text({"type": "Note", "noteLiteral": {"fi-FI": "F"}}) == {"fi": "F"}
    assert elm_text("plain") == {"en": "plain"}
    assert elm_text(None) == {}


def test_a_graph_is_streamed_node_by_node(tmp_path: Path) -> None:
    nodes = json.loads(HAND_WRITTEN.read_text())
    path = tmp_path / "graph.jsonld"
    path.write_text(json.dumps({"@context": "http://data.europa.eu/snb/model/context/edc-ap", "@graph": nodes}))
    items = items_of(path)
    assert problems(items) == []
    assert len(only(items, ProgrammeRecord)) == 2 and len(only(items, OfferingRecord)) == 1


def test_ecvet_waits_for_a_provider_defined_later_in_the_file(tmp_path: Path) -> None:
    nodes = json.loads((BAD / "ecvet-not-finnish.jsonld").read_text())
    nodes[0]["location"]["address"]["countryCode"]["id"] = (
        "http://publications.europa.eu/resource/authority/country/FIN"
    )
    path = tmp_path / "ecvet-later.jsonld"
    path.write_text(json.dumps(list(reversed(nodes))))
    items = items_of(path)
    assert problems(items) == []
    assert by_id(items, "https://example.org/las/ecvet-se").credits_system == "fi_osp"


# --- bad input ----------------------------------------------------------------------------------------------


def test_malformed_json() -> None:
    problem = single_problem(items_of(BAD / "malformed.jsonld"))
    assert (problem.ref, problem.code) == ("malformed.jsonld", "malformed")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonld"
    path.write_bytes(b"")
    problem = single_problem(items_of(path))
    assert problem.code == "empty"


def test_a_document_without_any_learning_node(tmp_path: Path) -> None:
    path = tmp_path / "nothing.jsonld"
    path.write_text('{"id": "urn:x", "type": "VerifiableCredential"}')
    problem = single_problem(items_of(path))
    assert problem.message.startswith("No LearningOpportunity")


def test_unknown_codes_name_their_fields() -> None:
    found = {(p.field, p.params.get("code")) for p in problems(items_of(BAD / "unknown-codes.jsonld"))}
    assert found == {
        ("eqfLevel", "http://data.europa.eu/snb/eqf/12"),
        ("thematicArea", "http://data.europa.eu/snb/isced-f/07x3"),
        ("creditPoint.framework", "http://data.europa.eu/snb/education-credit/ffffffffff"),
    }


def test_dates_out_of_range() -> None:
    found = problems(items_of(BAD / "dates-out-of-range.jsonld"))
    assert {(p.field, p.code) for p in found} == {("temporal", "out_of_range"), ("modified", "out_of_range")}


def test_duplicate_ids_with_different_content() -> None:
    items = items_of(BAD / "duplicate-ids.jsonld")
    assert [p.title for p in only(items, ProgrammeRecord)] == [{"en": "First"}]  # the identical repeat is ignored
    [problem] = problems(items)
    assert (problem.field, problem.code, problem.params) == ("id", "duplicate", {"id": "https://example.org/las/dup"})


def test_ecvet_from_a_non_finnish_provider_is_a_problem() -> None:
    [problem] = problems(items_of(BAD / "ecvet-not-finnish.jsonld"))
    assert (problem.field, problem.params) == ("creditPoint.framework", {"country": "SE"})


def test_html_is_kept_as_raw_text() -> None:
    items = items_of(BAD / "html-in-text.jsonld")
    assert problems(items) == []
    [programme] = only(items, ProgrammeRecord)
    assert programme.title == {"en": "<script>alert('x')</script>Battery <b>safety</b>"}
    assert programme.description == {"fi": "<img src=x onerror=alert(1)> Kuvaus"}


def test_missing_provider_and_specification(tmp_path: Path) -> None:
    path = tmp_path / "orphan.jsonld"
    path.write_text(json.dumps({"id": "https://example.org/lo/orphan", "type": "LearningOpportunity", "title": "x"}))
    found = {p.field for p in problems(items_of(path))}
    assert found == {"providedBy", "learningAchievementSpecification"}


def test_title_only_in_other_languages_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "german.jsonld"
    node = {"id": "https://e.org/las/de", "type": "elm:Qualification", "title": {"de": "Batterie"}, "providedBy": "o"}
    path.write_text(json.dumps(node))
    [problem] = problems(items_of(path))
    assert problem.field == "title"


@pytest.mark.parametrize(
    "encode",
    [lambda t: codecs.BOM_UTF8 + t.encode(), lambda t: t.encode("utf-16")],
    ids=["utf-8-bom", "utf-16-bom"],
)
def test_bom_encodings_parse(tmp_path: Path, encode: Any) -> None:
    path = tmp_path / "bom.jsonld"
    path.write_bytes(encode(SAMPLE.read_text(encoding="utf-8")))
    assert problems(items_of(path)) == []


def test_latin1_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonld"
    path.write_bytes(HAND_WRITTEN.read_text().encode("latin-1", errors="replace"))
    assert len(problems(items_of(path))) == 1


def test_a_single_object_over_the_size_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(elm, "MAX_OBJECT_BYTES", 1000)
    problem = single_problem(items_of(SAMPLE))
    assert (problem.code, problem.ref) == ("too_large", SAMPLE.name)


def test_an_array_over_the_size_cap_is_streamed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(elm, "MAX_OBJECT_BYTES", 1000)
    assert problems(items_of(HAND_WRITTEN)) == []


class CountingReader(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self.bytes_read += len(chunk)
        return len(chunk)


def test_parse_is_lazy_for_arrays() -> None:
    nodes = json.loads(HAND_WRITTEN.read_text())
    qualification = nodes[1]
    copies = [json.dumps(dict(qualification, id=f"https://example.org/q/{n}")) for n in range(3000)]
    data = ("[" + ",".join(copies) + "]").encode()
    reader = CountingReader(data)
    stream = parse_stream(reader, name="big.jsonld")  # type: ignore[arg-type]
    first = next(stream)
    assert isinstance(first, ProgrammeRecord)
    assert reader.bytes_read < len(data) / 10
    assert sum(isinstance(item, ProgrammeRecord) for item in stream) == 2999


# --- property-based -----------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=25,
)
elm_keys = st.sampled_from(
    [
        "id",
        "@id",
        "type",
        "@type",
        "title",
        "description",
        "providedBy",
        "learningAchievementSpecification",
        "eqfLevel",
        "thematicArea",
        "creditPoint",
        "temporal",
        "defaultLanguage",
        "homepage",
        "location",
        "legalName",
        "applicationDeadline",
        "modified",
        "@graph",
        "learningOutcome",
        "mode",
    ]
)
elm_types = st.sampled_from(
    ["LearningOpportunity", "Qualification", "LearningAchievementSpecification", "Organisation", ["Qualification"]]
)
elm_like = st.builds(
    lambda node, kind, ident: {**node, "type": kind, "id": ident},
    st.dictionaries(elm_keys, json_values, max_size=8),
    elm_types,
    st.text(max_size=20) | st.just("urn:epass:org:1"),
)


def assert_only_items(items: list[ParsedItem]) -> None:
    for item in items:
        assert isinstance(item, ProviderRecord | ProgrammeRecord | OfferingRecord | Problem)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(elm_like | json_values, max_size=4), st.booleans())
def test_random_documents_never_raise(documents: list[Any], as_array: bool) -> None:
    payload: Any = documents if as_array else {"id": "urn:credential:x", "credentialSubject": documents}
    data = json.dumps(payload).encode()
    assert_only_items(list(parse_stream(io.BytesIO(data), name="random.jsonld")))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert_only_items(list(parse_stream(io.BytesIO(data), name="random.bin")))


def test_deep_nesting_does_not_exhaust_the_stack() -> None:
    data = ('{"a":' * 5000 + "1" + "}" * 5000).encode()
    assert_only_items(list(parse_stream(io.BytesIO(data), name="deep.jsonld")))


# --- end to end through the writer --------------------------------------------------------------------------

needs_writer = pytest.mark.skipif(not hasattr(writer_module, "run_import"), reason="the writer has not landed")


@needs_writer
@pytest.mark.django_db
def test_hand_written_file_imports_end_to_end() -> None:
    from battery_region.catalogue.models import Offering, Programme

    report = writer_module.run_import(lambda: parse(HAND_WRITTEN))
    assert report.ok, report.problem_lines()
    assert report.counts["programme"]["created"] == 2 and report.counts["offering"]["created"] == 1
    offering = Offering.objects.get(source="elm")
    assert offering.programme.credits_system == "fi_osp"
    assert offering.provider.region == "FI1D9"
    assert Programme.objects.get(source_id__endswith="recycling").title_fi == "Batteriåtervinning"  # fallback


@needs_writer
@pytest.mark.django_db
def test_ec_sample_imports_end_to_end() -> None:
    report = writer_module.run_import(lambda: parse(SAMPLE))
    assert report.ok, report.problem_lines()
    assert report.counts["programme"]["created"] == 1 and report.counts["provider"]["created"] == 1
