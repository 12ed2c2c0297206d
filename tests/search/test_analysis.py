"""The analysis module: Finnish lemmas and compounds (Voikko), Swedish decompounding, fallbacks."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from battery_region.search import analysis
from battery_region.search.analysis import Token, UnknownLanguage, analysis_status, analyze, lemmatize
from battery_region.search.checks import search_analysis_engines
from tests.search.conftest import needs_swedish_dictionary, needs_voikko


def terms(tokens: list[Token], kind: str | None = None) -> list[str]:
    return [t.term for t in tokens if kind is None or t.kind == kind]


@needs_voikko
def test_finnish_compound_gives_lemma_and_parts() -> None:
    tokens = analyze("akkukennojen", "fi")
    assert terms(tokens, "lemma") == ["akkukenno"]
    assert {"akku", "kenno"} <= set(terms(tokens, "part"))


@needs_voikko
def test_parts_weigh_less_than_lemmas() -> None:
    tokens = analyze("akkukennojen", "fi")
    lemma_weight = {t.weight for t in tokens if t.kind == "lemma"}
    part_weight = {t.weight for t in tokens if t.kind == "part"}
    assert lemma_weight == {analysis.LEMMA_WEIGHT}
    assert part_weight == {analysis.PART_WEIGHT}
    assert analysis.PART_WEIGHT < analysis.LEMMA_WEIGHT


@needs_voikko
def test_inflected_finnish_meets_the_base_form() -> None:
    assert lemmatize("valmistuksen", "fi") == lemmatize("valmistus", "fi") == ["valmistus"]
    assert lemmatize("koulutukseen", "fi") == ["koulutus"]


@needs_voikko
def test_longer_finnish_compounds_yield_sub_compounds() -> None:
    parts = set(terms(analyze("sairaanhoitajakoulutus", "fi"), "part"))
    assert {"hoitaja", "koulutus", "sairaanhoitaja"} <= parts


@needs_swedish_dictionary
def test_swedish_compound_is_split_with_the_dictionary() -> None:
    tokens = analyze("battericellstillverkning", "sv")
    assert terms(tokens, "lemma") == ["battericellstillverkning"]
    assert {"batteri", "cell", "tillverkning"} <= set(terms(tokens, "part"))


@needs_swedish_dictionary
def test_swedish_inflected_compound_and_definite_forms() -> None:
    assert terms(analyze("battericellstillverkningen", "sv"), "lemma") == ["battericellstillverkning"]
    assert lemmatize("batteriet", "sv") == lemmatize("batteri", "sv")
    assert analysis.split_swedish_compound("lastbilschaufför") == ("lastbil", "chaufför")
    assert analysis.split_swedish_compound("tillverkning") == ()  # a plain word stays whole


def test_english_snowball() -> None:
    assert lemmatize("Battery cells manufacturing", "en") == ["batteri", "cell", "manufactur"]


def test_lemmatize_is_lower_case_without_stop_words() -> None:
    assert lemmatize("The Recycling of Batteries", "en") == ["recycl", "batteri"]
    assert "ja" not in lemmatize("akut ja kennot", "fi")
    assert "och" not in lemmatize("batterier och celler", "sv")


def test_nordic_letters_are_not_folded() -> None:
    assert "sähkö" in lemmatize("sähkö", "fi")
    assert lemmatize("återvinning", "sv") == ["återvinning"]
    assert analysis.words("Skellefteå Åbo") == ["Skellefteå", "Åbo"]


def test_decomposed_letters_are_normalised() -> None:
    decomposed = "sa\u0308hko\u0308"  # "sähkö" with combining diaeresis
    assert lemmatize(decomposed, "fi") == lemmatize("sähkö", "fi")


def test_unknown_language_is_a_value_error() -> None:
    for bad in ("de", "", "xx-YY", None, 3):
        with pytest.raises(UnknownLanguage):
            analyze("akku", bad)  # type: ignore[arg-type]
    assert issubclass(UnknownLanguage, ValueError)
    assert analyze("akku", "FI-fi") == analyze("akku", "fi")


def test_token_is_a_named_tuple() -> None:
    token = analyze("battery", "en")[0]
    assert token == Token(term="batteri", weight=1.0, kind="lemma")
    assert token._fields == ("term", "weight", "kind")


def test_status_reports_engines() -> None:
    status = analysis_status()
    assert status["en"] == "snowball"
    assert status["fi"] in {"voikko", "snowball"}
    assert isinstance(status["notices"], list)


# --- Fallbacks --------------------------------------------------------------------------------------------


def test_without_voikko_finnish_falls_back_to_snowball(without_voikko: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="battery_region.search.analysis"):
        tokens = analyze("akkukennojen", "fi")
    assert tokens == [Token("akkukeno", 1.0, "lemma")]  # Snowball stem, no compound parts
    assert lemmatize("valmistus", "fi") == ["valmistus"]
    status = analysis_status()
    assert status["fi"] == "snowball" and status["voikko"] is False
    assert any("Voikko" in notice for notice in status["notices"])
    assert any("Voikko" in record.getMessage() for record in caplog.records)
    assert [message.id for message in search_analysis_engines()] == ["search.W001"]


def test_without_swedish_dictionary_no_split(without_swedish_dictionary: None) -> None:
    tokens = analyze("battericellstillverkning", "sv")
    assert tokens == [Token("battericellstillverkning", 1.0, "lemma")]
    assert lemmatize("batteriet", "sv") == ["batteriet"]  # plain Snowball
    assert analysis_status()["sv"] == "snowball"
    assert "search.W002" in [message.id for message in search_analysis_engines()]


def test_broken_voikko_loader_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    import libvoikko

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("libvoikko.so.1: cannot open shared object file")

    monkeypatch.setattr(libvoikko, "Voikko", broken)
    analysis.reset()
    try:
        assert analysis.load_voikko() is None
        assert analysis_status()["fi"] == "snowball"
        assert analyze("akku", "fi")
    finally:
        monkeypatch.undo()
        analysis.reset()


def test_swedish_dictionary_from_an_injected_word_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The decompounder only needs a hunspell pair: a tiny one shows the rules (X begin, Y end, -s- link)."""
    dic = tmp_path / "sv_TEST.dic"
    dic.write_text("4\nbatteri/XY\nfabrik/XY\nlastbil/vXY\nchaufför/Y\n", encoding="utf-8")
    (tmp_path / "sv_TEST.aff").write_text(
        "SET UTF-8\nSFX v N 2\nSFX v a s/WXZ a\nSFX v 0 s/WXZ [^a]\n", encoding="utf-8"
    )
    monkeypatch.setattr(
        analysis, "load_swedish_dictionary", lambda path=None: analysis._parse_hunspell(dic, dic.with_suffix(".aff"))
    )
    analysis.reset()
    try:
        assert analysis.split_swedish_compound("batterifabriken") == ("batteri", "fabrik")
        assert analysis.split_swedish_compound("lastbilschaufför") == ("lastbil", "chaufför")
        assert analysis.split_swedish_compound("solpanelen") == ()
    finally:
        monkeypatch.undo()
        analysis.reset()


@needs_voikko
def test_voikko_handle_is_created_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = analysis.load_voikko

    def counting() -> object:
        calls.append(1)
        return original()

    monkeypatch.setattr(analysis, "load_voikko", counting)
    analysis.reset()
    try:
        for word in ("akku", "kenno", "valmistus", "akkukennojen", "kierrätys"):
            analyze(word, "fi")
        lemmatize("akkujen kierrätys", "fi")
        assert len(calls) == 1
    finally:
        monkeypatch.undo()
        analysis.reset()


@needs_voikko
def test_voikko_suggests_spellings() -> None:
    assert "sairaanhoitaja" in analysis.spelling_suggestions("sairanhoitaja", "fi")
    assert analysis.spelling_suggestions("sairaanhoitaja", "fi") == ()  # spelled right: nothing to suggest
    assert analysis.spelling_suggestions("battery", "en") == ()


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300), language=st.sampled_from(["fi", "sv", "en"]))
def test_analysis_never_fails(text: str, language: str) -> None:
    tokens = analyze(text, language)
    assert all(t.term and t.term == t.term.lower() for t in tokens)
    assert all(t.kind in {"lemma", "part"} for t in tokens)
    assert isinstance(lemmatize(text, language), list)
