"""The pure label matcher behind tag suggestions (no database)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from battery_region.skills import matching
from battery_region.skills.matching import Label, LabelIndex, _close_together


@pytest.fixture
def word_split(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run with the plain word-split analysis, so these tests do not depend on the search stemmers."""
    monkeypatch.setattr(matching, "_lemmatize", matching._split_words)
    matching.word_tokens.cache_clear()
    yield
    matching.word_tokens.cache_clear()


def _index(*labels: tuple[str, int, str, str, str]) -> LabelIndex:
    return LabelIndex(Label((kind, pk), text, language, source) for kind, pk, text, language, source in labels)


def test_a_label_matches_when_its_words_occur_close_together_in_the_same_language(word_split):
    index = _index(
        ("skill", 1, "battery chemistry", "en", "preferred"),
        ("skill", 2, "chemistry of batteries", "en", "alternative"),
        ("role", 7, "akkukenno", "fi", "keyword"),
    )
    matches = index.match(
        {"en": ["Battery chemistry and cell design", "Safety at work"], "fi": ["Akkukenno ja sen valmistus"]}
    )
    targets = {m.target for m in matches}
    assert targets == {("skill", 1), ("role", 7)}
    skill = next(m for m in matches if m.target == ("skill", 1))
    evidence = skill.evidence[0]
    assert (evidence.label, evidence.language, evidence.source) == ("battery chemistry", "en", "preferred")
    assert set(evidence.words) == {"Battery", "chemistry"}
    assert '"battery chemistry" (en, preferred) ← "Battery", "chemistry"' == str(evidence)
    assert skill.reason == str(evidence)


def test_words_far_apart_or_in_different_fields_do_not_match(word_split):
    index = _index(("skill", 1, "battery chemistry", "en", "preferred"))
    far = "battery " + "word " * 10 + "chemistry"
    assert index.match({"en": [far]}) == []
    assert index.match({"en": ["battery", "chemistry"]}) == []  # two fields
    assert index.match({"en": ["chemistry of the battery"]})  # order and a few words between are fine


def test_labels_match_only_in_their_own_language(word_split):
    index = _index(("skill", 1, "kemia", "fi", "preferred"))
    assert index.match({"en": ["kemia"]}) == []
    assert index.match({"fi": ["Kemia"]})[0].target == ("skill", 1)


def test_short_single_word_labels_and_stopword_labels_are_not_indexed(word_split):
    index = _index(
        ("skill", 1, "R", "en", "preferred"),
        ("skill", 2, "Go", "en", "alternative"),
        ("skill", 3, "of the", "en", "alternative"),
        ("skill", 4, "welding", "en", "preferred"),
    )
    assert index.size == 1
    assert [m.target for m in index.match({"en": ["R and Go of the welding course"]})] == [("skill", 4)]


def test_longer_labels_score_higher_and_evidence_is_kept_per_target(word_split):
    index = _index(
        ("skill", 1, "chemistry", "en", "preferred"),
        ("skill", 2, "battery chemistry", "en", "preferred"),
        ("skill", 2, "chemistry of batteries", "en", "alternative"),
    )
    matches = index.match({"en": ["Battery chemistry: the chemistry of batteries"]})
    assert [m.target for m in matches] == [("skill", 2), ("skill", 1)]
    assert {e.label for e in matches[0].evidence} == {"battery chemistry", "chemistry of batteries"}


def test_the_analyser_is_named():
    assert matching.analyser_name() in {"search analysis", "word split"}


@pytest.mark.skipif(matching.analyser_name() != "search analysis", reason="battery_region.search.analysis is absent")
def test_with_the_search_analysis_inflected_forms_match():
    index = _index(
        ("skill", 1, "battery chemistry", "en", "preferred"),
        ("role", 2, "akkukenno", "fi", "keyword"),
        ("role", 3, "battericell", "sv", "keyword"),
    )
    matches = index.match(
        {"en": ["Chemistry of batteries"], "fi": ["Akkukennojen valmistus"], "sv": ["Battericellernas montering"]}
    )
    assert {m.target for m in matches} == {("skill", 1), ("role", 2), ("role", 3)}
    finnish = next(m for m in matches if m.target == ("role", 2))
    assert finnish.evidence[0].words == ("Akkukennojen",)
    # a word the analysis drops ("e") would leave "e-learning" matching every "learn"
    assert _index(("skill", 4, "e-learning", "en", "preferred")).size == 0


def _brute_force(lists: list[list[int]], width: int) -> bool:
    return any(max(combo) - min(combo) <= width for combo in itertools.product(*lists))


@given(
    st.lists(st.lists(st.integers(0, 40), min_size=1, max_size=4), min_size=1, max_size=4),
    st.integers(0, 8),
)
def test_close_together_agrees_with_brute_force(lists, width):
    assert _close_together(lists, width) == _brute_force(lists, width)


def test_labels_that_would_lose_a_word_and_one_word_synonyms_are_not_used(word_split):
    index = _index(
        ("skill", 1, "e-learning", "en", "preferred"),
        ("skill", 2, "controllers", "en", "alternative"),
        ("skill", 3, "controllers", "en", "preferred"),
    )
    matches = index.match({"en": ["We learn about learning and controllers"]})
    assert [m.target for m in matches] == [("skill", 3)]
    assert index.match({"en": ["learning"]}) == []


def test_more_distinct_labels_raise_the_score_and_words_are_listed_once(word_split):
    index = _index(
        ("role", 1, "quality control", "en", "keyword"),
        ("role", 1, "kvalitetskontroll", "sv", "keyword"),
        ("role", 2, "quality assurance", "en", "keyword"),
    )
    matches = index.match(
        {"en": ["Quality control and quality assurance; QUALITY control"], "sv": ["kvalitetskontroll"]}
    )
    assert [m.target for m in matches] == [("role", 1), ("role", 2)]
    assert matches[0].score > matches[1].score
    words = next(e for e in matches[0].evidence if e.language == "en").words
    assert [w.casefold() for w in words] == ["control", "quality"]
