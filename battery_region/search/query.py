"""From a user's query to engine-neutral boolean expressions (pure: no ORM).

A query is cut into words; each word is analysed as Finnish, Swedish and English (the query language is not
known from the UI language: a Swede may use the English interface) and matches any of its lemma readings.
Glossary concepts found in the query add their terms in the other languages (and same-language synonyms).
The plan yields three expressions the backends render to FTS5 MATCH syntax or a PostgreSQL tsquery:

- `original`: every word must match (AND), no expansion — what "a same-language exact match" means;
- `full`: every word slot must match, a slot being a word or a glossary span that may instead match one of
  its expansions (AND first);
- `any_word`: the OR fallback, used when the AND forms match nothing.

Tokens are produced by `analysis.WORD_RE`, so they never contain quotes or operators: user input cannot
inject engine syntax (`"`, `*`, `NEAR`, `:`, `-`, `(` are separators or plain words here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import TypeVar

from battery_region.search import analysis

MAX_QUERY_CHARS = 1000
MAX_WORDS = 24
MAX_WORD_CHARS = analysis.MAX_WORD_LENGTH


# --- Boolean expressions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """Any of these tokens (one word's readings)."""

    tokens: tuple[str, ...]


@dataclass(frozen=True)
class All:
    children: tuple[Expr, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Expr, ...]


@dataclass(frozen=True)
class Without:
    """Documents matching `include` but not `exclude` (the OR tier after the AND tier)."""

    include: Expr
    exclude: Expr


Expr = Terms | All | AnyOf | Without


def all_of(children: Iterable[Expr]) -> Expr | None:
    items = tuple(dict.fromkeys(child for child in children if child is not None))
    if not items:
        return None
    return items[0] if len(items) == 1 else All(items)


def any_of(children: Iterable[Expr | None]) -> Expr | None:
    items = tuple(dict.fromkeys(child for child in children if child is not None))
    if not items:
        return None
    return items[0] if len(items) == 1 else AnyOf(items)


def terms(tokens: Iterable[str]) -> Terms | None:
    unique = tuple(dict.fromkeys(token for token in tokens if token))
    return Terms(unique) if unique else None


def tokens_of(expr: Expr | None) -> set[str]:
    if expr is None:
        return set()
    if isinstance(expr, Terms):
        return set(expr.tokens)
    if isinstance(expr, Without):
        return tokens_of(expr.include) | tokens_of(expr.exclude)
    found: set[str] = set()
    for child in expr.children:
        found |= tokens_of(child)
    return found


_T = TypeVar("_T")
_R = TypeVar("_R")


def _kept(method: Callable[[_T], _R]) -> Callable[[_T], _R]:
    """`method(obj)` computed once and kept on the (immutable) object: the glossary index keeps recent plans,
    a plan keeps its expressions, and a search asks for the same expressions, rendered, several times."""
    name = method.__name__

    @wraps(method)
    def kept(obj: _T) -> _R:
        memo: dict[str, _R] = obj.__dict__.setdefault("_kept", {})  # not a field: equality and hash ignore it
        if name not in memo:
            memo[name] = method(obj)
        return memo[name]

    return kept


def covers(outer: Expr, inner: Expr) -> bool:
    """True when every document matching `inner` matches `outer` (a sufficient test: False when unsure)."""
    if outer == inner:
        return True
    if isinstance(inner, AnyOf):
        return all(covers(outer, child) for child in inner.children)
    if isinstance(inner, All) and any(covers(outer, child) for child in inner.children):
        return True
    if isinstance(inner, Without) and covers(outer, inner.include):
        return True
    if isinstance(outer, Terms):
        return isinstance(inner, Terms) and set(inner.tokens) <= set(outer.tokens)
    if isinstance(outer, AnyOf):
        return any(covers(child, inner) for child in outer.children)
    if isinstance(outer, All):
        return all(covers(child, inner) for child in outer.children)
    return False


@_kept
def matching_form(expr: Expr) -> Expr:
    """The same match set from fewer doclists: an alternative that another alternative covers is left out
    (`a OR (a AND b)` is `a`; glossary expansions often repeat a word's own reading in a longer term), and so
    is a condition implied by another (`a AND (a OR b)` is `a`). For the passes that count or list matches
    only: ranking keeps every alternative, as each adds to the score."""
    if isinstance(expr, Terms):
        return expr
    if isinstance(expr, Without):
        return Without(matching_form(expr.include), matching_form(expr.exclude))
    kept: list[Expr] = []
    for child in (matching_form(child) for child in expr.children):
        if isinstance(expr, AnyOf):
            if any(covers(other, child) for other in kept):
                continue
            kept = [other for other in kept if not covers(child, other)]
        else:
            if any(covers(child, other) for other in kept):
                continue
            kept = [other for other in kept if not covers(other, child)]
        kept.append(child)
    return kept[0] if len(kept) == 1 else type(expr)(tuple(kept))


@_kept
def render_fts5(expr: Expr) -> str:
    """FTS5 MATCH syntax; every token is a quoted string, so no token is read as an operator."""
    if isinstance(expr, Terms):
        quoted = [f'"{token}"' for token in expr.tokens]
        return quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")"
    if isinstance(expr, Without):
        return f"({render_fts5(expr.include)} NOT {render_fts5(expr.exclude)})"
    operator = " AND " if isinstance(expr, All) else " OR "
    return "(" + operator.join(render_fts5(child) for child in expr.children) + ")"


@_kept
def render_tsquery(expr: Expr) -> str:
    """PostgreSQL tsquery text for a direct `::tsquery` cast (lexemes quoted, not re-normalised)."""
    if isinstance(expr, Terms):
        quoted = ["'" + token.replace("'", "''").replace("\\", "\\\\") + "'" for token in expr.tokens]
        return quoted[0] if len(quoted) == 1 else "(" + " | ".join(quoted) + ")"
    if isinstance(expr, Without):
        return f"({render_tsquery(expr.include)} & !{render_tsquery(expr.exclude)})"
    operator = " & " if isinstance(expr, All) else " | "
    return "(" + operator.join(render_tsquery(child) for child in expr.children) + ")"


def with_repeated(full: Expr, original: Expr, copies: int) -> Expr:
    """`full` with `original` ORed in `copies` more times (inside the included side of a `Without`).

    For `original` matching a subset of `full`'s documents (as a plan's typed words do) this matches exactly
    `full`'s documents, and a per-token sum such as bm25 then counts each of `original`'s tokens `copies`
    more times: score(full) + copies × the typed tokens' share, in one pass over the match set.
    """
    if isinstance(full, Without):
        return Without(with_repeated(full.include, original, copies), full.exclude)
    return AnyOf((full, *([original] * copies)))


# --- Query words ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryWord:
    surface: str
    readings: dict[str, tuple[str, ...]]  # language → lemma readings
    parts: dict[str, tuple[str, ...]]  # language → smallest compound parts, for the split fallback

    @property
    def alternatives(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for language in analysis.LANGUAGES:
            for lemma in self.readings.get(language, ()):
                seen.setdefault(lemma, None)
        return tuple(seen)

    def expr(self) -> Terms | None:
        return terms(self.alternatives)


def query_words(q: str) -> list[str]:
    """The words a query is made of: bounded in number and length, stop words (of any language) removed."""
    text = (q or "")[:MAX_QUERY_CHARS]
    result: list[str] = []
    seen: set[str] = set()
    for word in analysis.words(text):
        lower = word.lower()
        if len(lower) > MAX_WORD_CHARS or lower in seen or analysis.stop_word_in_any_language(lower):
            continue
        if len(lower) < 2 and not lower.isdigit():
            continue
        seen.add(lower)
        result.append(word)
        if len(result) >= MAX_WORDS:
            break
    return result


def analyse_query_word(word: str) -> QueryWord:
    readings: dict[str, tuple[str, ...]] = {}
    parts: dict[str, tuple[str, ...]] = {}
    for language in analysis.LANGUAGES:
        result = analysis.analyse_word(word, language)
        readings[language] = result.lemmas
        smallest = _smallest_parts(result.parts)
        if len(smallest) >= 2:
            parts[language] = smallest
    return QueryWord(word, readings, parts)


def _smallest_parts(parts: Sequence[str]) -> tuple[str, ...]:
    """Parts that contain no other part: akku, kenno, tehdas (not the sub-compound akkukenno)."""
    usable = [part for part in parts if len(part) >= analysis.MIN_PART_LENGTH]
    return tuple(part for part in usable if not any(other != part and other in part for other in usable))[:4]


# --- Plans ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expansion:
    language: str
    text: str  # the glossary term as written, for `expanded_terms`
    expr: Expr


@dataclass(frozen=True)
class Slot:
    """One word, or a span of words that a glossary concept covers (with its expansions)."""

    words: tuple[QueryWord, ...]
    concepts: tuple[str, ...] = ()
    expansions: tuple[Expansion, ...] = ()

    def original(self) -> Expr | None:
        return all_of(expr for expr in (word.expr() for word in self.words) if expr is not None)

    def full(self) -> Expr | None:
        return any_of([self.original(), *(expansion.expr for expansion in self.expansions)])

    def split(self) -> Expr | None:
        """Like `original`, but a compound word may instead match all of its parts (batteri + montering)."""
        children: list[Expr | None] = []
        for word in self.words:
            splits = [all_of(Terms((part,)) for part in parts) for parts in word.parts.values()]
            children.append(any_of([word.expr(), *splits]))
        original = all_of(child for child in children if child is not None)
        return any_of([original, *(expansion.expr for expansion in self.expansions)])


@dataclass(frozen=True)
class Plan:
    words: tuple[QueryWord, ...]
    slots: tuple[Slot, ...]
    expanded_terms: tuple[str, ...] = ()
    concepts: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.slots

    @property
    def has_expansions(self) -> bool:
        return any(slot.expansions for slot in self.slots)

    @property
    def has_compounds(self) -> bool:
        return any(word.parts for word in self.words)

    @_kept
    def original(self) -> Expr | None:
        return all_of(e for e in (slot.original() for slot in self.slots) if e is not None)

    @_kept
    def full(self) -> Expr | None:
        return all_of(e for e in (slot.full() for slot in self.slots) if e is not None)

    @_kept
    def split(self) -> Expr | None:
        return all_of(e for e in (slot.split() for slot in self.slots) if e is not None)

    @_kept
    def any_word(self) -> Expr | None:
        children: list[Expr | None] = []
        for slot in self.slots:
            children.extend(word.expr() for word in slot.words)
            children.extend(expansion.expr for expansion in slot.expansions)
        return any_of(children)

    @_kept
    def any_original(self) -> Expr | None:
        return any_of(word.expr() for slot in self.slots for word in slot.words)

    @_kept
    def highlight_tokens(self) -> frozenset[str]:
        found: set[str] = set()
        for slot in self.slots:
            for word in slot.words:
                found.update(word.alternatives)
            for expansion in slot.expansions:
                found |= tokens_of(expansion.expr)
        return frozenset(found)


class ConceptMatcher:
    """What the planner needs from the glossary (see `glossary.GlossaryIndex`)."""

    def match(self, words: Sequence[QueryWord]) -> list[tuple[int, int, tuple[str, ...], tuple[Expansion, ...]]]:
        return []


def build_plan(q: str, matcher: ConceptMatcher | None = None, *, corrected: dict[str, str] | None = None) -> Plan:
    """Analyse `q` and place glossary spans; `corrected` replaces misspelled words (lower-case keys)."""
    raw_words = query_words(q)
    if corrected:
        raw_words = [corrected.get(word.lower(), word) for word in raw_words]
    qwords = [analyse_query_word(word) for word in raw_words]
    qwords = [word for word in qwords if word.alternatives]
    spans = matcher.match(qwords) if matcher is not None and qwords else []
    slots: list[Slot] = []
    expanded: list[str] = []
    concepts: list[str] = []
    position = 0
    for start, end, concept_keys, expansions in sorted(spans):
        if start < position:
            continue
        slots.extend(Slot((word,)) for word in qwords[position:start])
        slots.append(Slot(tuple(qwords[start:end]), concept_keys, expansions))
        expanded.extend(expansion.text for expansion in expansions)
        concepts.extend(concept_keys)
        position = end
    slots.extend(Slot((word,)) for word in qwords[position:])
    return Plan(
        tuple(qwords),
        tuple(slots),
        tuple(dict.fromkeys(expanded)),
        tuple(dict.fromkeys(concepts)),
    )
