"""Opintopolku (Kouta/konfo JSON) parser: real samples, bad input, streaming, and the writer end to end."""

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

from battery_region.catalogue.importers import codes, opintopolku
from battery_region.catalogue.importers import writer as writer_module
from battery_region.catalogue.importers.opintopolku import parse, parse_stream
from battery_region.catalogue.importers.records import (
    OfferingRecord,
    ParsedItem,
    Problem,
    ProgrammeRecord,
    ProviderRecord,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "opintopolku"
BAD = FIXTURES / "bad"
SAMPLES = sorted(FIXTURES.glob("*.json"))
HELSINKI = dt.timezone(dt.timedelta(hours=2))


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


# --- every real sample imports ------------------------------------------------------------------------------


def test_there_are_seven_real_samples() -> None:
    assert len(SAMPLES) == 7


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_parses_without_problems(path: Path) -> None:
    items = items_of(path)
    assert problems(items) == []
    assert items, "each sample yields at least one record"
    for item in items:
        assert not isinstance(item, Problem)
        assert item.source == "fi-kouta"
        assert item.raw


def test_koulutus_master_programme() -> None:
    items = items_of(FIXTURES / "koulutus-1293.json")
    programme = by_id(items, "1.2.246.562.13.00000000000000001293")
    assert isinstance(programme, ProgrammeRecord)
    assert programme.title == {"fi": "Yhteiskuntatieteet ja filosofia, maisteri (2 v)"}
    assert programme.description["fi"].startswith("<p>Yhteiskuntatieteiden")
    assert programme.qualification_title == {
        "fi": "Yhteiskuntatieteiden maisteri",
        "en": "Master of Social Sciences",
        "sv": "Magister i samhällsvetenskaper",
    }
    assert programme.national_type == "yo"
    assert programme.national_code == "733299"
    assert programme.kind == "degree_programme"
    assert programme.is_vocational is False
    assert programme.leads_to_qualification is True
    assert programme.isced_fields == ["03", "031", "0310"]
    assert programme.isced_level == 7
    assert (programme.eqf_level, programme.nqf_level, programme.nqf_framework) == (7, 7, "FiNQF")
    assert (programme.credits_value, programme.credits_system) == (Decimal("120.0"), "fi_op")
    assert programme.provider_source_id == "1.2.246.562.10.91392558028"  # the university, not the faculty
    assert programme.source_url == "https://opintopolku.fi/konfo/fi/koulutus/1.2.246.562.13.00000000000000001293"
    assert programme.source_modified == dt.datetime(2023, 2, 1, 10, 30, 27, tzinfo=HELSINKI)
    assert programme.published is True
    assert programme.raw["oid"] == programme.source_id
    providers = {p.source_id: p for p in only(items, ProviderRecord)}
    assert set(providers) == {"1.2.246.562.10.91392558028", "1.2.246.562.10.62835091836"}
    university = providers["1.2.246.562.10.91392558028"]
    assert university.name == {
        "sv": "Jyväskylä universitet",
        "fi": "Jyväskylän yliopisto",
        "en": "University of Jyväskylä",
    }
    assert (university.kind, university.country, university.municipality_code) == (
        "education_provider",
        "FI",
        "FI-kunta:179",
    )
    assert university.region == ""  # Jyväskylä is not in Pohjois-Pohjanmaa
    assert only(items, OfferingRecord) == []  # embedded toteutus summaries are not offerings


def test_koulutus_with_two_levels_keeps_the_highest_and_drops_the_unmapped_field() -> None:
    programme = by_id(items_of(FIXTURES / "koulutus-2032.json"), "1.2.246.562.13.00000000000000002032")
    assert programme.title["sv"].startswith("Kandidatprogrammet i skogsvetenskaper")
    assert programme.eqf_level == 7
    assert programme.national_code == "662199,762202"
    assert programme.isced_fields == ["08", "082", "0821"]  # 0820 has no ISCED-F code (OPH exception)
    assert programme.published is False  # tila arkistoitu
    assert programme.credits_value == Decimal(300)


def test_koulutus_without_field_is_vocational_in_hours() -> None:
    programme = by_id(items_of(FIXTURES / "koulutus-ilman-koulutusalaa.json"), "1.2.246.562.13.00000000000000008751")
    assert programme.isced_fields == []
    assert programme.eqf_level is None
    assert programme.is_vocational is True
    assert programme.leads_to_qualification is False
    assert (programme.credits_value, programme.credits_system) == (Decimal(5), "hours")


def test_toteutus_with_exact_start_in_north_ostrobothnia() -> None:
    items = items_of(FIXTURES / "toteutus-tarkka-alkuaika.json")
    offering = by_id(items, "1.2.246.562.17.00000000000000000035")
    assert isinstance(offering, OfferingRecord)
    assert offering.programme_source_id == "1.2.246.562.13.00000000000000000079"
    assert offering.provider_source_id == "1.2.246.562.10.2013111416014448745197"
    assert offering.title == {"fi": "Kuljetusalan ammattitutkinto, Metsäteollisuuden kuljetusten osaamisala"}
    assert offering.teaching_languages == ["fi"]
    assert (offering.country, offering.region, offering.municipality_code) == ("FI", "FI1D9", "FI-kunta:832")
    assert offering.place_name == "Taivalkoski"
    assert offering.start_precision == "exact"
    assert (offering.start_date, offering.end_date) == (dt.date(2021, 8, 4), dt.date(2022, 12, 22))
    assert offering.duration == "P2Y"
    assert offering.mode == "presential"
    assert (offering.fee_amount, offering.fee_currency) == (Decimal(0), "EUR")
    assert offering.places == 5
    assert offering.status == "published"
    assert offering.source_url == "https://opintopolku.fi/konfo/fi/toteutus/1.2.246.562.17.00000000000000000035"
    [window] = offering.application_windows
    assert window.continuous is True  # hakutapa_03 = rolling admission
    assert window.opens == dt.datetime(2021, 3, 16, 7, 0, tzinfo=HELSINKI)
    assert window.url.startswith("https://osao.inschool.fi/apply")
    assert window.entry_requirements["fi"] == "Peruskoulu"
    providers = {p.source_id for p in only(items, ProviderRecord)}
    assert providers == {"1.2.246.562.10.2013111416014448745197", "1.2.246.562.10.2013110715495487451932"}


def test_toteutus_in_english_with_season_free_application_period() -> None:
    offering = by_id(items_of(FIXTURES / "toteutus-ihan-tavanomainen.json"), "1.2.246.562.17.00000000000000012960")
    assert offering.title["en"].startswith("Avoin yo: Statistics toolkit")
    assert offering.teaching_languages == ["en"]
    assert offering.mode == "online"
    assert offering.url == "https://opintopolku.fi/konfo/en/toteutus/1.2.246.562.17.00000000000000012960"
    [window] = offering.application_windows
    assert window.closes == dt.datetime(2023, 5, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=3)))


def test_toteutus_without_tarjoajat_takes_its_owner_and_a_season_start() -> None:
    items = items_of(FIXTURES / "toteutus-ei-tarjoajia.json")
    offering = by_id(items, "1.2.246.562.17.00000000000000011735")
    assert offering.provider_source_id == "1.2.246.562.10.45306788949"  # organisaatio: Vamia
    assert offering.municipality_code == "FI-kunta:905"
    assert (offering.start_precision, offering.start_season, offering.start_year) == ("season", "autumn", 2023)
    assert offering.duration == "P3Y"
    assert by_id(items, "1.2.246.562.10.45306788949").name == {"fi": "Vamia", "sv": "Vamia", "en": "Vamia"}


def test_oppilaitos_and_its_units_are_providers() -> None:
    items = items_of(FIXTURES / "oppilaitos-example-1.json")
    providers = only(items, ProviderRecord)
    assert len(providers) == 8  # the oppilaitos and its seven toimipisteet
    main = by_id(items, "1.2.246.562.10.81934895871")
    assert main.name["fi"] == "Koulutuskeskus Salpaus"
    assert main.website == "http://www.salpaus.fi"
    assert main.description["fi"].startswith("<p>Koulutuskeskus Salpaus")
    assert main.municipality_code == "FI-kunta:398"
    assert main.ref == "oppilaitos 1.2.246.562.10.81934895871"


def test_provider_from_the_koulutus_later_in_the_file_or_a_problem() -> None:
    items = items_of(BAD / "provider-from-koulutus.json")
    offering = by_id(items, "1.2.246.562.17.00000000000000900007")
    assert offering.provider_source_id == "1.2.246.562.10.00000000901"
    assert offering.region == "FI1D9"  # Raahe
    [problem] = problems(items)
    assert problem.ref == "toteutus 1.2.246.562.17.00000000000000900009"
    assert problem.field == "tarjoajat"


def test_a_file_may_hold_an_array_of_documents(tmp_path: Path) -> None:
    documents = [json.loads(path.read_text()) for path in SAMPLES]
    path = tmp_path / "all.json"
    path.write_text(json.dumps(documents), encoding="utf-8")
    items = items_of(path)
    assert problems(items) == []
    assert len(only(items, ProgrammeRecord)) == 3
    assert len(only(items, OfferingRecord)) == 3
    provider_ids = [p.source_id for p in only(items, ProviderRecord)]
    assert len(provider_ids) == len(set(provider_ids))  # each organisation once per file


def test_a_konfo_search_response_imports_its_hits() -> None:
    items = items_of(FIXTURES / "konfo" / "search-page-1.json")
    assert problems(items) == []
    programme = by_id(items, "1.2.246.562.13.00000000000000001293")
    assert (programme.credits_value, programme.credits_system) == (Decimal(120), "fi_op")
    assert programme.qualification_title == {"fi": "Yhteiskuntatieteiden maisteri"}
    offering = by_id(items, "1.2.246.562.17.00000000000000012960")
    assert offering.programme_source_id == "1.2.246.562.13.00000000000000004330"
    assert offering.provider_source_id == "1.2.246.562.10.38417217288"
    assert offering.municipality_code == "FI-kunta:564"


def test_embedded_full_toteutukset_of_an_external_koulutus_response(tmp_path: Path) -> None:
    koulutus = json.loads((FIXTURES / "konfo" / "koulutus-4330.json").read_text())
    toteutus = json.loads((FIXTURES / "toteutus-ihan-tavanomainen.json").read_text())
    toteutus.pop("koulutusOid")
    koulutus["toteutukset"] = [toteutus]
    path = tmp_path / "koulutus-with-toteutukset.json"
    path.write_text(json.dumps(koulutus))
    items = items_of(path)
    assert problems(items) == []
    assert by_id(items, toteutus["oid"]).programme_source_id == koulutus["oid"]


# --- bad input ----------------------------------------------------------------------------------------------


def test_malformed_json_is_one_problem_not_an_exception() -> None:
    problem = single_problem(items_of(BAD / "malformed.json"))
    assert problem.ref == "malformed.json"
    assert problem.code == "malformed"
    assert problem.message == "The file is not valid JSON: %(error)s"
    assert problem.params["error"]


def test_empty_file() -> None:
    problem = single_problem(items_of(BAD / "empty.json"))
    assert (problem.ref, problem.code, problem.message) == ("empty.json", "empty", "The file is empty.")


def test_whitespace_only_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.json"
    path.write_bytes(b" \n\t ")
    assert single_problem(items_of(path)).code == "empty"


def test_missing_file_is_a_problem(tmp_path: Path) -> None:
    problem = single_problem(items_of(tmp_path / "nope.json"))
    assert problem.ref == "nope.json"


def test_unknown_codes_name_their_fields() -> None:
    found = {(p.ref, p.field, p.params.get("code")) for p in problems(items_of(BAD / "unknown-codes.json"))}
    koulutus = "koulutus 1.2.246.562.13.00000000000000900002"
    toteutus = "toteutus 1.2.246.562.17.00000000000000900003"
    assert (koulutus, "eqf", "eqf_12") in found
    assert (koulutus, "metadata.opintojenLaajuusyksikko", "opintojenlaajuusyksikko_99#1") in found
    assert (toteutus, "metadata.opetus.opetuskieli", "oppilaitoksenopetuskieli_9#1") in found
    assert (toteutus, "metadata.opetus.koulutuksenAlkamiskausi", "kausi_x#1") in found


def test_records_with_problems_are_not_yielded() -> None:
    items = items_of(BAD / "unknown-codes.json")
    assert only(items, ProgrammeRecord) == [] and only(items, OfferingRecord) == []


def test_dates_out_of_range() -> None:
    found = problems(items_of(BAD / "dates-out-of-range.json"))
    assert {p.code for p in found} == {"out_of_range"}
    values = {p.params["value"] for p in found}
    assert values == {"1850-08-01T00:00", "2250-06-01T00:00", "0202-01-01T00:00", "20222-07-12T20:02:10"}
    assert {p.field for p in found} >= {"modified", "metadata.hakuaika", "metadata.opetus.koulutuksenAlkamiskausi"}
    assert all(p.message.startswith("The date %(value)s is outside") for p in found)


def test_duplicate_oid_is_a_problem_on_the_second() -> None:
    items = items_of(BAD / "duplicate-oids.json")
    [programme] = only(items, ProgrammeRecord)
    assert programme.title["fi"] == "Akkujen kierrätys (testi)"
    [problem] = problems(items)
    assert (problem.field, problem.code) == ("oid", "duplicate")
    assert problem.params == {"oid": "1.2.246.562.13.00000000000000900005", "first": "$[0]"}


def test_html_and_script_are_kept_as_raw_text() -> None:
    items = items_of(BAD / "html-in-text.json")
    assert problems(items) == []
    programme = only(items, ProgrammeRecord)[0]
    assert programme.title["fi"] == "<b>Akku</b>turvallisuus <script>alert('x')</script>"
    assert programme.title["sv"] == "Batterisäkerhet &amp; <i>brand</i>"
    assert "<iframe" in programme.description["fi"]
    assert only(items, ProviderRecord)[0].name["fi"] == "Testi<img src=x onerror=alert(1)>opisto"


def test_documents_of_unknown_type() -> None:
    found = problems(items_of(BAD / "unknown-document.json"))
    assert [p.ref for p in found] == ["$[0]", "$[1]", "$[2]"]


def test_invalid_oids_and_missing_names(tmp_path: Path) -> None:
    path = tmp_path / "odd.json"
    documents = [
        {"oid": "1.2.3", "koulutustyyppi": "amm", "nimi": {"fi": "x"}},
        {"koulutustyyppi": "amm", "nimi": {"fi": "x"}},
        {"oid": "1.2.246.562.13.1", "koulutustyyppi": "amm", "nimi": {"de": "nur Deutsch"}, "tarjoajat": []},
        {"oid": "1.2.246.562.17.1", "koulutusOid": "not-an-oid", "organisaatio": {"oid": "1.2.246.562.10.1"}},
    ]
    path.write_text(json.dumps(documents))
    found = {(p.ref, p.field) for p in problems(items_of(path))}
    assert ("koulutus 1.2.3", "oid") in found
    assert ("$[1]", "oid") in found
    assert ("koulutus 1.2.246.562.13.1", "nimi") in found
    assert ("koulutus 1.2.246.562.13.1", "tarjoajat") in found
    assert ("toteutus 1.2.246.562.17.1", "koulutusOid") in found


# --- encodings ----------------------------------------------------------------------------------------------

SAMPLE = FIXTURES / "toteutus-tarkka-alkuaika.json"


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
        lambda text: text.encode("utf-16"),  # with BOM
        lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        lambda text: text.encode("utf-16-le"),  # no BOM: recognised by its NUL bytes
    ],
    ids=["utf-8-bom", "utf-16-bom", "utf-16-be-bom", "utf-16-le"],
)
def test_unicode_encodings_parse(tmp_path: Path, encode: Any) -> None:
    path = tmp_path / "encoded.json"
    path.write_bytes(encode(SAMPLE.read_text(encoding="utf-8")))
    items = items_of(path)
    assert problems(items) == []
    assert by_id(items, "1.2.246.562.17.00000000000000000035").place_name == "Taivalkoski"


def test_latin1_bytes_are_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(SAMPLE.read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    found = problems(items_of(path))
    assert len(found) == 1
    assert found[0].ref == "latin1.json"
    assert found[0].message in {
        "The file is not readable as %(encoding)s text: %(error)s",
        "The file is not valid JSON: %(error)s",
    }


# --- streaming ----------------------------------------------------------------------------------------------


class CountingReader(io.RawIOBase):
    """A binary stream that records how many bytes the parser has pulled from it."""

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


def test_parse_is_lazy_and_streams_a_large_array() -> None:
    document = json.loads(SAMPLE.read_text())
    copies = []
    for index in range(2000):  # ~20 MB would be the real thing; 2000 copies (≈ 7 MB) prove the point
        copy = dict(document, oid=f"1.2.246.562.17.{index:020d}")
        copies.append(json.dumps(copy))
    data = ("[" + ",".join(copies) + "]").encode()
    reader = CountingReader(data)
    stream = parse_stream(reader, name="big.json")  # type: ignore[arg-type]
    assert reader.bytes_read == 0  # nothing happens before the first item is asked for
    first = next(stream)
    assert isinstance(first, OfferingRecord)
    assert reader.bytes_read < len(data) / 10
    rest = list(stream)
    assert reader.bytes_read == len(data)
    assert sum(isinstance(item, OfferingRecord) for item in rest) == 1999


# --- property-based -----------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)
# Documents that look like Kouta's, with random values in the places the mapper reads.
kouta_keys = st.sampled_from(
    [
        "oid",
        "koulutusOid",
        "koulutustyyppi",
        "koulutukset",
        "nimi",
        "tarjoajat",
        "oppilaitokset",
        "organisaatio",
        "metadata",
        "eqf",
        "nqf",
        "modified",
        "tila",
        "hakutiedot",
        "hakukohteet",
        "koulutuskoodienAlatJaAsteet",
        "oppilaitos",
        "osat",
        "toteutukset",
        "koulutus",
        "kielivalinta",
    ]
)
kouta_like = st.dictionaries(kouta_keys, json_values, max_size=10)


def assert_only_items(items: list[ParsedItem]) -> None:
    for item in items:
        assert isinstance(item, ProviderRecord | ProgrammeRecord | OfferingRecord | Problem)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(kouta_like | json_values, max_size=4))
def test_random_documents_never_raise(documents: list[Any]) -> None:
    data = json.dumps(documents).encode()
    assert_only_items(list(parse_stream(io.BytesIO(data), name="random.json")))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert_only_items(list(parse_stream(io.BytesIO(data), name="random.bin")))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({"metadata": st.fixed_dictionaries({"opetus": kouta_like})}), kouta_like)
def test_random_nested_metadata_never_raises(metadata: dict[str, Any], extra: dict[str, Any]) -> None:
    document = {**extra, **metadata, "oid": "1.2.246.562.17.1", "koulutusOid": "1.2.246.562.13.1"}
    mapper = opintopolku.KoutaMapper()
    assert_only_items([*mapper.map_document(document, "$"), *mapper.finish()])


# --- end to end through the writer --------------------------------------------------------------------------

needs_writer = pytest.mark.skipif(not hasattr(writer_module, "run_import"), reason="the writer has not landed")


@needs_writer
@pytest.mark.django_db
def test_samples_import_end_to_end(tmp_path: Path) -> None:
    from battery_region.catalogue.models import Offering, Programme
    from battery_region.organisations.models import Organisation

    koulutus = json.loads((FIXTURES / "konfo" / "koulutus-4330.json").read_text())
    path = tmp_path / "bundle.json"
    documents = [json.loads((FIXTURES / name).read_text()) for name in ("koulutus-1293.json", "koulutus-2032.json")]
    path.write_text(
        json.dumps([*documents, koulutus, json.loads((FIXTURES / "toteutus-ihan-tavanomainen.json").read_text())])
    )
    report = writer_module.run_import(lambda: parse(path))
    assert report.ok, report.problem_lines()
    assert report.counts["programme"]["created"] == 3
    assert report.counts["offering"]["created"] == 1
    offering = Offering.objects.get(source="fi-kouta", source_id="1.2.246.562.17.00000000000000012960")
    assert offering.programme.source_id == "1.2.246.562.13.00000000000000004330"
    assert offering.provider.source_id == "1.2.246.562.10.25798690799"
    assert offering.region == "FI1D9"
    programme = Programme.objects.get(source_id="1.2.246.562.13.00000000000000001293")
    assert programme.credits_system == "fi_op" and programme.eqf_level == 7
    assert Organisation.objects.filter(source="fi-kouta").count() >= 4
    again = writer_module.run_import(lambda: parse(path))
    assert again.ok and again.counts["programme"]["unchanged"] == 3 and again.counts["offering"]["unchanged"] == 1


@needs_writer
@pytest.mark.django_db
def test_bad_file_writes_nothing() -> None:
    from battery_region.catalogue.models import Programme

    report = writer_module.run_import(lambda: parse(BAD / "unknown-codes.json"))
    assert not report.ok
    assert {p.field for p in report.problems} >= {"eqf", "metadata.opintojenLaajuusyksikko"}
    assert Programme.objects.count() == 0


# --- the shared code helpers (importers/codes.py) -----------------------------------------------------------


def test_koodi_uri_parsing() -> None:
    assert codes.parse_koodi_uri("kunta_564#2") == ("kunta", "564", 2)
    assert codes.parse_koodi_uri("pohjakoulutusvaatimuskouta_pk") == ("pohjakoulutusvaatimuskouta", "pk", None)
    assert codes.parse_koodi_uri("not a code") is None
    assert codes.parse_koodi_uri(564) is None


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("kansallinenkoulutusluokitus2016koulutusalataso1_07", "07"),
        ("kansallinenkoulutusluokitus2016koulutusalataso2_071#1", "071"),
        ("kansallinenkoulutusluokitus2016koulutusalataso3_0713", "0713"),
        ("kansallinenkoulutusluokitus2016koulutusalataso3_0718", "0788"),  # OPH addition → inter-disciplinary
        ("kansallinenkoulutusluokitus2016koulutusalataso3_0528", "0588"),
        ("kansallinenkoulutusluokitus2016koulutusalataso3_0820", None),  # no ISCED-F counterpart
        ("okmohjauksenala_4", None),  # not a field classification
    ],
)
def test_isced_f_from_finnish_field_codes(uri: str, expected: str | None) -> None:
    assert codes.isced_f_from_koodi(uri) == expected


def test_malformed_field_code_is_unknown() -> None:
    with pytest.raises(codes.UnknownCodeError):
        codes.isced_f_from_koodi("kansallinenkoulutusluokitus2016koulutusalataso3_07")


def test_levels_units_languages_and_seasons() -> None:
    assert codes.level_from_koodi("eqf_4#1") == 4
    with pytest.raises(codes.UnknownCodeError):
        codes.level_from_koodi("eqf_12")
    assert codes.credit_system_from_koodi("opintojenlaajuusyksikko_6#1") == "fi_osp"
    assert codes.credit_system_from_koodi("opintojenlaajuusyksikko_2") == "fi_op"
    assert codes.credit_system_from_koodi("opintojenlaajuusyksikko_4") is None  # kurssia: no catalogue system
    with pytest.raises(codes.UnknownCodeError):
        codes.credit_system_from_koodi("opintojenlaajuusyksikko_99")
    assert codes.teaching_languages_from_koodi("oppilaitoksenopetuskieli_3#1") == ["fi", "sv"]
    assert codes.season_from_koodi("kausi_s#1") == "autumn" and codes.season_from_koodi("kausi_k") == "spring"
    assert [codes.normalise_language(c) for c in ("fin", "SWE", "eng", "sv-SE", "xx", "")] == [
        "fi",
        "sv",
        "en",
        "sv",
        None,
        None,
    ]
    assert codes.text_from_pairs([("swe", "Hej"), ("fin", "Moi"), ("deu", "Hallo"), ("eng", " ")]) == {
        "sv": "Hej",
        "fi": "Moi",
    }


def test_north_ostrobothnia_regions() -> None:
    assert codes.fi_region_for_kunta("564") == "FI1D9"  # Oulu
    assert codes.fi_region_for_kunta("832") == "FI1D9"  # Taivalkoski
    assert codes.fi_region_for_kunta("091") == ""  # Helsinki
    assert len(codes.NORTH_OSTROBOTHNIA_KUNTA) == 30
    assert codes.fi_municipality_code(codes.kunta_code("kunta_564#2")) == "FI-kunta:564"


def test_dates_and_their_range() -> None:
    assert codes.parse_date("2021-08-04T12:00") == dt.date(2021, 8, 4)
    assert codes.parse_date("") is None
    assert codes.parse_datetime("2023-05-05T07:00:00Z") == dt.datetime(2023, 5, 5, 7, tzinfo=dt.UTC)
    for value, reason in (("1899-12-31", "range"), ("2101-01-01T00:00", "range"), ("2021-02-30", "format")):
        with pytest.raises(codes.InvalidDateError) as raised:
            codes.parse_date(value)
        assert raised.value.reason == reason
    with pytest.raises(codes.InvalidDateError):
        codes.parse_year("0202")
    problem = codes.problem_from_error(codes.InvalidDateError("0202-01-01", "range"), ref="r", field="f")
    assert (problem.code, problem.params["min"], problem.params["max"]) == ("out_of_range", 1900, 2100)


def test_document_kinds() -> None:
    kind = opintopolku.document_kind
    assert kind({"koulutusOid": "x", "koulutustyyppi": "amm"}) == "toteutus"
    assert kind({"koulutustyyppi": "amm", "koulutukset": []}) == "koulutus"
    assert kind({"oid": "1.2.246.562.10.1", "oppilaitos": {}}) == "oppilaitos"
    assert kind({"koulutus": {"koodiUri": "koulutus_1"}, "toteutukset": []}) == "koulutus-hit"
    assert kind({"hakuOid": "x"}) is None
