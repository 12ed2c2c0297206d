"""Snippets: the window around the first match, marks on every matching word form, escaping, fallbacks."""

from __future__ import annotations

from battery_region.search.snippets import WINDOW_WORDS, WORDS_BEFORE, Highlighter, best_snippet


def test_inflected_forms_and_compound_parts_are_marked() -> None:
    highlighter = Highlighter({"akkukenno", "hitsaus"})
    snippet = highlighter.snippet("Opit akkukennojen kokoonpanon ja hitsauksen perusteet.", "fi", require_match=True)
    assert snippet == "Opit <mark>akkukennojen</mark> kokoonpanon ja <mark>hitsauksen</mark> perusteet."


def test_text_around_the_marks_is_escaped() -> None:
    snippet = Highlighter({"weld"}).snippet('<b>MIG & "TIG"</b> welding <script>', "en", require_match=True)
    assert snippet == "&lt;b&gt;MIG &amp; &quot;TIG&quot;&lt;/b&gt; <mark>welding</mark> &lt;script&gt;"


def test_a_long_text_is_cut_to_a_window_around_the_first_match() -> None:
    filler = [f"sana{index}" for index in range(100)]
    text = " ".join([*filler[:50], "hitsaus", *filler[50:]])
    snippet = Highlighter({"hitsaus"}).snippet(text, "fi", require_match=True)
    assert snippet is not None
    assert snippet.startswith(f"…{filler[50 - WORDS_BEFORE]} ")
    assert snippet.endswith(f" {filler[50 - WORDS_BEFORE + WINDOW_WORDS - 2]}…")
    assert snippet.count("<mark>hitsaus</mark>") == 1


def test_no_match_gives_none_or_the_start_of_the_text() -> None:
    highlighter = Highlighter({"akku"})
    assert highlighter.snippet("Sähköasentajan perustutkinto", "fi", require_match=True) is None
    assert (
        highlighter.snippet("Sähköasentajan perustutkinto", "fi", require_match=False) == "Sähköasentajan perustutkinto"
    )
    assert highlighter.snippet(" -- ", "fi", require_match=True) is None


def test_best_snippet_takes_the_first_text_with_a_match_then_the_first_text() -> None:
    highlighter = Highlighter({"batteri"})
    candidates = [("fi", "Kemiantekniikan koulutus"), ("sv", "Utbildning om batterier")]
    assert best_snippet(highlighter, candidates) == "Utbildning om <mark>batterier</mark>"
    assert best_snippet(Highlighter({"weld"}), candidates) == "Kemiantekniikan koulutus"
    assert best_snippet(highlighter, []) is None


def test_a_text_shown_twice_on_a_page_gives_the_same_snippet() -> None:
    highlighter = Highlighter({"svetsning"})
    first = highlighter.snippet("Svetsning & montering", "sv", require_match=True)
    assert first == highlighter.snippet("Svetsning & montering", "sv", require_match=True)
    assert first is not None and "<mark>" in first and "&amp;" in first
