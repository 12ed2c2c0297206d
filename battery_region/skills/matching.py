"""Label and synonym matching: which roles and ESCO skills a programme's texts talk about, and why.

Pure computation (no ORM). Texts and labels go through the same analysis: the search app's
`lemmatize(text, language)` when it is installed, otherwise a lower-case word split. Each label word must
appear (as its first token, normally the lemma) in the text, all words of a label close together, in the same
language as the label. Every match keeps the label and the words of the text that matched it, so an editor can
see why something was suggested.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

logger = logging.getLogger(__name__)

# Letters and digits, as the search analysis splits words (underscore separates).
WORD_RE = re.compile(r"[^\W_]+")
# Words that carry no meaning in a label; the search analysis may drop them too.
STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("a an and as at by for from in into of on or the to with within".split()),
    "fi": frozenset("ja tai sekä eli kuten myös on ovat".split()),
    "sv": frozenset("och eller i på av för med till en ett som samt att".split()),
}
MIN_SINGLE_WORD = 4  # one-word labels shorter than this ("R", "Go", "IT") match far too much
FIELD_GAP = 50  # positions between two texts, so a label never spans two fields
SLACK = 2  # extra words allowed between the words of a label


def _split_words(text: str, language: str) -> list[str]:
    return WORD_RE.findall(text.lower())


def _load_lemmatizer() -> tuple[Callable[[str, str], list[str]], str]:
    try:
        from battery_region.search.analysis import lemmatize  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return _split_words, "word split"
    return lemmatize, "search analysis"


_lemmatize, ANALYSER = _load_lemmatizer()


def analyser_name() -> str:
    """Which analysis is in use: 'search analysis' (lemmas) or the 'word split' fallback."""
    return ANALYSER


@lru_cache(maxsize=300_000)
def word_tokens(word: str, language: str) -> tuple[str, ...]:
    """The analysed tokens of one word (lemma first, then any compound parts), lower-cased."""
    try:
        tokens = _lemmatize(word, language)
    except Exception:  # the analysis must never stop an import; fall back and say so in the log
        logger.warning("lemmatize failed for %r (%s); using the word itself", word, language, exc_info=True)
        tokens = [word]
    stop = STOPWORDS.get(language, frozenset())
    return tuple(t.lower() for t in tokens if t and t.lower() not in stop)


@dataclass(frozen=True, slots=True)
class Label:
    """A name a target is known by: an ESCO label, a role name or keyword, in one language."""

    target: tuple[str, int]  # ("role", id) or ("skill", id)
    text: str
    language: str
    source: str  # preferred | alternative | hidden | name | keyword | occupation


@dataclass(frozen=True, slots=True)
class Evidence:
    label: str
    language: str
    source: str
    words: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"label": self.label, "language": self.language, "source": self.source, "words": list(self.words)}

    def __str__(self) -> str:
        words = ", ".join(f'"{w}"' for w in self.words)
        return f'"{self.label}" ({self.language}, {self.source}) ← {words}'


@dataclass
class Match:
    target: tuple[str, int]
    score: float
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "; ".join(str(item) for item in self.evidence)


@dataclass(frozen=True, slots=True)
class _Entry:
    label: Label
    tokens: tuple[str, ...]


def analyse_label(text: str, language: str) -> tuple[str, ...]:
    """The tokens a text must contain for `text` (a label) to match, in order, without repeats.

    Empty when the label cannot be matched safely: a word the analysis drops that is not a known stopword
    (an initial such as the "e" of "e-learning") would leave a label far broader than it is.
    """
    required: dict[str, None] = {}
    stop = STOPWORDS.get(language, frozenset())
    for word in WORD_RE.findall(text.lower()):
        tokens = word_tokens(word, language)
        if tokens:
            required.setdefault(tokens[0], None)
        elif word not in stop and len(word) <= 2:
            return ()
    return tuple(required)


@dataclass
class AnalysedText:
    positions: dict[str, list[int]]
    surface: dict[str, set[str]]


def analyse_text(texts: Iterable[str], language: str) -> AnalysedText:
    positions: dict[str, list[int]] = defaultdict(list)
    surface: dict[str, set[str]] = defaultdict(set)
    offset = 0
    for text in texts:
        words = WORD_RE.findall(text or "")
        for index, word in enumerate(words):
            for token in word_tokens(word.lower(), language):
                positions[token].append(offset + index)
                surface[token].add(word)
        offset += len(words) + FIELD_GAP
    return AnalysedText(dict(positions), dict(surface))


def _close_together(lists: Sequence[list[int]], width: int) -> bool:
    """Is there one position from each list, all within `width` of each other?"""
    if len(lists) == 1:
        return True
    events = sorted((position, index) for index, positions in enumerate(lists) for position in positions)
    counts = [0] * len(lists)
    covered = 0
    left = 0
    for position, index in events:
        if counts[index] == 0:
            covered += 1
        counts[index] += 1
        while events[left][0] < position - width:
            drop = events[left][1]
            counts[drop] -= 1
            if counts[drop] == 0:
                covered -= 1
            left += 1
        if covered == len(lists):
            return True
    return False


def _distinct_words(words: Iterable[str]) -> tuple[str, ...]:
    """Matched words of the text, one spelling per word regardless of case, sorted."""
    seen: dict[str, str] = {}
    for word in sorted(words):
        seen.setdefault(word.casefold(), word)
    return tuple(sorted(seen.values(), key=str.casefold))


class LabelIndex:
    """All labels, analysed once and keyed by their rarest token for fast lookup."""

    def __init__(self, labels: Iterable[Label]):
        entries: dict[str, list[_Entry]] = defaultdict(list)
        for label in labels:
            tokens = analyse_label(label.text, label.language)
            if not tokens or (len(tokens) == 1 and len(tokens[0]) < MIN_SINGLE_WORD):
                continue
            if len(tokens) == 1 and label.source in ("alternative", "hidden"):
                continue  # one-word synonyms ("controllers" for robotic components) suggest far too much
            entries[label.language].append(_Entry(label, tokens))
        self.size = sum(len(items) for items in entries.values())
        self._index: dict[str, dict[str, list[_Entry]]] = {}
        for language, items in entries.items():
            frequency: dict[str, int] = defaultdict(int)
            for entry in items:
                for token in entry.tokens:
                    frequency[token] += 1
            index: dict[str, list[_Entry]] = defaultdict(list)
            for entry in items:
                rarest = min(entry.tokens, key=lambda token: (frequency[token], token))
                index[rarest].append(entry)
            self._index[language] = dict(index)

    @property
    def languages(self) -> list[str]:
        return sorted(self._index)

    def match(self, texts: Mapping[str, Iterable[str]]) -> list[Match]:
        """Targets whose labels occur in `texts` ({language: [text, …]}), best first."""
        found: dict[tuple[str, int], Match] = {}
        for language, parts in texts.items():
            index = self._index.get(language)
            if not index:
                continue
            analysed = analyse_text(parts, language)
            for token in analysed.positions:
                for entry in index.get(token, ()):
                    if not all(t in analysed.positions for t in entry.tokens):
                        continue
                    lists = [analysed.positions[t] for t in entry.tokens]
                    if not _close_together(lists, len(entry.tokens) - 1 + SLACK):
                        continue
                    words = _distinct_words(w for t in entry.tokens for w in analysed.surface[t])
                    evidence = Evidence(entry.label.text, language, entry.label.source, words)
                    score = 2.0 * len(entry.tokens) + (1.0 if entry.label.source in ("preferred", "name") else 0.0)
                    match = found.get(entry.label.target)
                    if match is None:
                        found[entry.label.target] = Match(entry.label.target, score, [evidence])
                    else:
                        match.score = max(match.score, score)
                        if evidence not in match.evidence:
                            match.evidence.append(evidence)
        for match in found.values():
            # A target named by several different labels is a safer suggestion than one named once.
            match.score += 0.5 * (len({e.label.casefold() for e in match.evidence}) - 1)
            match.evidence.sort(key=lambda e: (e.source not in ("preferred", "name"), -len(e.label), e.label))
            match.evidence = match.evidence[:3]
        return sorted(found.values(), key=lambda m: (-m.score, m.target))
