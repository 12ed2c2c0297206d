"""Highlighted snippets from the original text (pure: no ORM).

Engines only see analysed tokens, so highlighting happens here: each word of the original text is analysed
in the text's language and marked when one of its lemmas or compound parts is a query token (or an
expansion's token). The text is escaped first and only our own `<mark>` tags are added, so the result is
safe HTML whatever the text contains.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from html import escape
from itertools import islice

from battery_region.search import analysis

WINDOW_WORDS = 32
WORDS_BEFORE = 8
MAX_SCAN_CHARS = 6000


class Highlighter:
    """Marks words whose analysis meets `tokens`; remembers per-word decisions for one search."""

    def __init__(self, tokens: Iterable[str]) -> None:
        self.tokens = frozenset(tokens)
        self._seen: dict[str, dict[str, bool]] = {}  # language → word → matches

    def matches(self, word: str, language: str) -> bool:
        seen = self._seen.setdefault(language, {})
        hit = seen.get(word)
        if hit is None:
            result = analysis.analyse_word(word, language)
            hit = seen[word] = bool(self.tokens.intersection(result.lemmas) or self.tokens.intersection(result.parts))
        return hit

    def _first_match(self, words: Sequence[str], language: str) -> int | None:
        seen = self._seen.setdefault(language, {})
        for index, word in enumerate(words):
            hit = seen.get(word)
            if hit or (hit is None and self.matches(word, language)):
                return index
        return None

    def snippet(self, text: str, language: str, *, require_match: bool) -> str | None:
        """A window of `text` around the first match, with matches in <mark>; None if `require_match`
        and nothing matches."""
        text = unicodedata.normalize("NFC", text or "")[:MAX_SCAN_CHARS]
        # Words as plain strings first (most texts scanned hold no match); positions only for the window.
        words = analysis.WORD_RE.findall(text)
        if not words:
            return escape(text[:200]) if not require_match and text.strip() else None
        first = self._first_match(words, language)
        if first is None and require_match:
            return None
        start_word = max(0, (first or 0) - WORDS_BEFORE)
        end_word = min(len(words), start_word + WINDOW_WORDS)
        spans = list(islice(analysis.word_spans(text), end_word))
        start = 0 if start_word == 0 else spans[start_word].start()
        end = len(text) if end_word == len(words) else spans[end_word - 1].end()
        # Escaping is per character, so the text between two marks is escaped in one piece.
        pieces: list[str] = ["…" if start > 0 else ""]
        cursor = start
        if first is not None:  # no word before `first` matches
            seen = self._seen[language]
            for index in range(first, end_word):
                span = spans[index]
                word = words[index]
                hit = seen.get(word)
                if index == first or hit or (hit is None and self.matches(word, language)):
                    # A word is letters and digits only (`WORD_RE`): nothing in it to escape.
                    pieces.append(f"{escape(text[cursor : span.start()])}<mark>{word}</mark>")
                    cursor = span.end()
        pieces.append(escape(text[cursor:end]))
        if end < len(text):
            pieces.append("…")
        return "".join(pieces).strip()


def best_snippet(highlighter: Highlighter, candidates: Sequence[tuple[str, str]], fallback: str = "") -> str:
    """The first candidate `(language, text)` with a match; else the first non-empty text; else `fallback`."""
    for language, text in candidates:
        snippet = highlighter.snippet(text, language, require_match=True)
        if snippet:
            return snippet
    for language, text in candidates:
        snippet = highlighter.snippet(text, language, require_match=False)
        if snippet:
            return snippet
    return escape(fallback)
