"""Highlighted snippets from the original text (pure: no ORM).

Engines only see analysed tokens, so highlighting happens here: each word of the original text is analysed
in the text's language and marked when one of its lemmas or compound parts is a query token (or an
expansion's token). The text is escaped first and only our own `<mark>` tags are added, so the result is
safe HTML whatever the text contains.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from html import escape

from battery_region.search import analysis

WINDOW_WORDS = 32
WORDS_BEFORE = 8
MAX_SCAN_CHARS = 6000


# `analysis.WORD_RE` with a group: `split` gives [text before word 0, word 0, text between, word 1, …, text after].
_PIECES_RE = re.compile(f"({analysis.WORD_RE.pattern})")


class Highlighter:
    """Marks words whose analysis meets `tokens`; remembers per-word decisions for one search."""

    def __init__(self, tokens: Iterable[str]) -> None:
        self.tokens = frozenset(tokens)
        # language → words known to match / known not to: set operations test a whole text at C speed.
        self._hits: dict[str, set[str]] = {}
        self._misses: dict[str, set[str]] = {}
        # Offerings of one programme share its texts: a page often shows the same text several times.
        self._cut: dict[tuple[str, str, bool], str | None] = {}

    def _known(self, words: Sequence[str], language: str) -> set[str]:
        """The words of `words` that match, after analysing those not met before in this search."""
        hits = self._hits.setdefault(language, set())
        misses = self._misses.setdefault(language, set())
        for word in set(words).difference(hits, misses):
            result = analysis.analyse_word(word, language)
            if self.tokens.intersection(result.lemmas) or self.tokens.intersection(result.parts):
                hits.add(word)
            else:
                misses.add(word)
        return hits

    def snippet(self, text: str, language: str, *, require_match: bool) -> str | None:
        """A window of `text` around the first match, with matches in <mark>; None if `require_match`
        and nothing matches."""
        key = (text, language, require_match)
        if key not in self._cut:
            self._cut[key] = self._snippet(text, language, require_match)
        return self._cut[key]

    def _snippet(self, text: str, language: str, require_match: bool) -> str | None:
        text = unicodedata.normalize("NFC", text or "")[:MAX_SCAN_CHARS]
        pieces = _PIECES_RE.split(text)
        words = pieces[1::2]  # word i is pieces[2i + 1]
        if not words:
            return escape(text[:200]) if not require_match and text.strip() else None
        hits = self._known(words, language)
        first = None if hits.isdisjoint(words) else next(i for i, word in enumerate(words) if word in hits)
        if first is None and require_match:
            return None
        start = max(0, (first or 0) - WORDS_BEFORE)
        end = min(len(words), start + WINDOW_WORDS)
        out: list[str] = ["…"] if start else []
        # From the leading text when the window starts at the first word, else from the window's first word;
        # to the end of the text when the window reaches the last word, else to the window's last word.
        cursor = 2 * start + 1 if start else 0
        stop = len(pieces) if end == len(words) else 2 * end
        if first is not None:
            for index in range(2 * first + 1, stop, 2):
                if pieces[index] in hits:
                    # Escaping is per character: the text between two marks is escaped in one piece. A word
                    # is letters and digits only (`WORD_RE`): nothing in it to escape.
                    out.append(f"{escape(''.join(pieces[cursor:index]))}<mark>{pieces[index]}</mark>")
                    cursor = index + 1
        out.append(escape("".join(pieces[cursor:stop])))
        if end < len(words):
            out.append("…")
        return "".join(out).strip()


def best_snippet(highlighter: Highlighter, candidates: Sequence[tuple[str, str]]) -> str | None:
    """The first candidate `(language, text)` with a match; else the first non-empty text; else None."""
    for language, text in candidates:
        snippet = highlighter.snippet(text, language, require_match=True)
        if snippet:
            return snippet
    for language, text in candidates:
        snippet = highlighter.snippet(text, language, require_match=False)
        if snippet:
            return snippet
    return None
