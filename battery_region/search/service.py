"""The catalogue search the HTML list and the API call: `search_catalogue(...) -> SearchPage`.

Matching, in order:
1. every word (or glossary span) must match — AND first; glossary expansions count as alternatives;
2. if nothing matches and a word is unknown to the index, the closest known word replaces it ("did you
   mean": trigram candidates from the vocabulary, the glossary and Voikko, ranked by edit distance);
3. if still nothing, a compound query word may match its parts instead (`batterimontering` → batteri +
   montering);
4. when fewer than `TIER_MIN_RESULTS` documents match completely, documents matching some of the words
   follow them (OR fallback as a second tier; total and facets then count both tiers).
Ranking: engine score of the whole query plus `ORIGINAL_BOOST` × the score of the words as typed, so a
same-language exact match ranks above documents reached only through a glossary expansion. A tier with
very many matches (common words such as `koulutus`) is ranked as a window of about the newest
`broad_pool` matches first and then the rest, so page one never scores tens of thousands of documents;
total and facets are always exact. An empty query (or one made only of stop words) lists the filtered
offerings, upcoming starts first, then undated, then past.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from typing import NamedTuple

from django.db import connection
from django.utils import timezone
from django.utils.safestring import SafeString

from battery_region.catalogue.filters import FACET_FIELDS, CatalogueFilters
from battery_region.catalogue.models import Offering, Programme
from battery_region.core.translation import fallback_order
from battery_region.search import analysis, facets, glossary
from battery_region.search.analysis import UnknownLanguage
from battery_region.search.backends import get_backend
from battery_region.search.backends.base import (
    Counted,
    Filters,
    Found,
    IdRange,
    PageTexts,
    Ranked,
    SearchBackend,
)
from battery_region.search.query import MAX_QUERY_CHARS, Expr, Plan, Without, analyse_query_word
from battery_region.search.snippets import Highlighter, best_snippet
from battery_region.search.spelling import ranked_suggestions

__all__ = ["SearchHit", "SearchPage", "UnknownLanguage", "search_catalogue"]

logger = logging.getLogger(__name__)

ORIGINAL_BOOST = 1.0
MAX_PAGE_SIZE = 10_000
MAX_PAGE = 10_000
MAX_SUGGESTION_CHECKS = 5
TIER_MIN_RESULTS = 10  # below this many complete matches, partial matches follow them
LANGUAGE_CODE_RE = re.compile(r"[a-z]{2,8}")


class SearchHit(NamedTuple):  # a tuple: a page makes one per hit
    offering_id: int
    score: float
    snippet: str  # safe HTML: the text is escaped, matches are wrapped in <mark>


@dataclass(frozen=True)
class SearchPage:
    items: list[SearchHit]
    total: int
    facets: dict[str, list[tuple[str, int]]]
    did_you_mean: str | None = None
    expanded_terms: list[str] = field(default_factory=list)
    # The engine expression that ranked the first results (after any spelling correction or compound split);
    # not part of the API: `make bench` runs it bare to measure what the search adds over the engine.
    engine_query: Expr | None = None


# --- Filters --------------------------------------------------------------------------------------------


def _region_codes(value: str) -> dict[str, int]:
    """{value: code} for one region filter value, as the current transaction sees the codes (a process-wide
    cache could keep a code that a rolled-back transaction allocated)."""
    from battery_region.search.models import SearchFacetValue

    with connection.cursor() as cur:
        cur.execute(
            f"SELECT code FROM {SearchFacetValue._meta.db_table} WHERE field = 'region' AND value = %s", [value]
        )
        row = cur.fetchone()
    return {value: int(row[0])} if row else {}


def _filter_spec(filters: CatalogueFilters) -> Filters:
    by_value = _region_codes(str(filters.region)) if filters.region else {}
    predicates: list[facets.Predicate] = []
    side: list[str] = []
    params: list[object] = []
    values: dict[str, object] = {
        "country": filters.country or None,
        "region": filters.region or None,
        "eqf_level": filters.eqf_level,
        "credits_system": filters.credits_system or None,
        "language": filters.language or None,
        "mode": filters.mode or None,
        "open_for_exchange": filters.open_for_exchange,
    }
    for name in FACET_FIELDS:
        value = values.get(name)
        if value is None:
            continue
        predicate = facets.facet_predicate(name, value, by_value)
        if predicate is not None:
            predicates.append(predicate)
        elif name == "language":
            # A language outside the packed set: match the whole code in the comma-separated list.
            code = str(value).strip().lower()
            if LANGUAGE_CODE_RE.fullmatch(code):
                side.append("(',' || teaching_languages || ',') LIKE %s")
                params.append(f"%,{code},%")
            else:
                side.append("1 = 0")
    if filters.provider is not None:
        side.append("provider_id = %s")
        params.append(int(filters.provider))
    year, season = filters.start_year_and_season
    if year is not None:
        side.append("start_year = %s")
        params.append(year)
        if season:
            side.append("start_season = %s")
            params.append(season)
    elif filters.start_period:
        side.append("1 = 0")  # a start period that is not "YYYY" or "YYYY-season" matches nothing
    if filters.modified_since is not None:
        side.append("modified_at >= %s")
        params.append(connection.ops.adapt_datetimefield_value(filters.modified_since))
    return Filters(tuple(predicates), " AND ".join(side), tuple(params))


# --- The search -----------------------------------------------------------------------------------------


@dataclass
class _Tier:
    expr: Expr
    original: Expr | None
    size: int
    ids: IdRange | None = None
    page: list[Ranked] | None = None  # the requested page of this tier, when `backend.search` ranked it
    window_known: bool = False  # `backend.search` chose the newest window (`window`) already
    window: tuple[int, int] | None = None


@dataclass
class _Outcome:
    counted: Counted
    plan: Plan | None
    tiers: list[_Tier] = field(default_factory=list)
    did_you_mean: str | None = None


def _replace_words(q: str, corrections: dict[str, str]) -> str:
    def swap(match: re.Match[str]) -> str:
        return corrections.get(match.group().lower(), match.group())

    return analysis.WORD_RE.sub(swap, q)


def _match(backend: SearchBackend, q: str, filters: Filters, offset: int, limit: int, texts: PageTexts) -> _Outcome:
    plan = glossary.get_index().plan(q)
    if plan.is_empty:
        return _Outcome(backend.count(None, filters, timezone.localdate()), None)

    def search(expr: Expr | None, original: Expr | None) -> Found:
        # Counts and, when the match set is neither empty nor broad, the requested page, in one statement.
        if expr is None:
            return Found(backend.count(None, filters, timezone.localdate()), None)
        return backend.search(
            expr, original, filters, offset=offset, limit=limit, original_boost=ORIGINAL_BOOST, texts=texts
        )

    def tier(expr: Expr, original: Expr | None, found: Found) -> _Tier:
        return _Tier(expr, original, found.counted.total, None, found.page, found.window_known, found.window)

    did_you_mean: str | None = None
    strict = plan.full()
    found = search(strict, plan.original())
    if not found.counted.total:
        corrections = _corrections(backend, plan)
        if corrections:
            corrected_q = _replace_words(q, corrections)
            corrected = glossary.get_index().plan(corrected_q)
            if not corrected.is_empty:
                did_you_mean = corrected_q.strip()
                plan = corrected
                strict = plan.full()
                found = search(strict, plan.original())
    if not found.counted.total and plan.has_compounds:
        split = plan.split()
        if split is not None and split != strict:
            split_found = search(split, plan.original())
            if split_found.counted.total:
                strict, found = split, split_found
    counted = found.counted
    tiers = [tier(strict, plan.original(), found)] if strict is not None and counted.total else []
    if counted.total < TIER_MIN_RESULTS:
        # AND first, then the rest: too few documents have every word, so those that have some of them
        # follow, ranked after the complete matches.
        loose = plan.any_word()
        if loose is not None and loose != strict:
            if not tiers:  # nothing matched every word: the loose matches are counted and ranked together
                loose_found = search(loose, plan.any_original())
                if loose_found.counted.total > counted.total:
                    tiers.append(tier(loose, plan.any_original(), loose_found))
                    counted = loose_found.counted
            else:
                loose_counted = backend.count(loose, filters, timezone.localdate())
                if loose_counted.total > counted.total:
                    rest = Without(loose, strict) if strict is not None else loose
                    tiers.append(_Tier(rest, plan.any_original(), loose_counted.total - counted.total))
                    counted = loose_counted
    return _Outcome(counted, plan, tiers, did_you_mean)


def _corrections(backend: SearchBackend, plan: Plan) -> dict[str, str]:
    """Misspelled words → the closest word that the index knows, for words none of whose readings is
    indexed. Candidates: the vocabulary (trigram look-up), the glossary's words and Voikko's suggestions."""
    alternatives = {word.surface.lower(): word.alternatives for word in plan.words}
    known = backend.matching_tokens(token for tokens in alternatives.values() for token in tokens)
    corrections: dict[str, str] = {}
    for surface, tokens in alternatives.items():
        if known.intersection(tokens) or surface.isdigit():
            continue
        candidates = [
            *backend.similar_words(surface, 40),
            *glossary.get_index().vocabulary,
            *analysis.spelling_suggestions(surface, "fi"),
        ]
        for candidate in ranked_suggestions(surface, candidates)[:MAX_SUGGESTION_CHECKS]:
            readings = analyse_query_word(candidate).alternatives
            if backend.matching_tokens(readings) or _glossary_knows(candidate):
                corrections[surface] = candidate
                break
    return corrections


def _glossary_knows(word: str) -> bool:
    return word.lower() in glossary.get_index().vocabulary


_SNIPPET_FIELDS = ("description", "programme__description", "programme__learning_outcomes")
_TITLE_FIELDS = ("title", "programme__title")
_TEXT_FIELDS = (*_SNIPPET_FIELDS, *_TITLE_FIELDS)  # per language, in this order


@lru_cache(maxsize=8)
def _text_columns(order: tuple[str, ...]) -> tuple[str, ...]:
    """SQL columns (over `o` offering and `p` programme) of the texts snippets are cut from: `_TEXT_FIELDS`
    for each language of `order`."""
    offering, programme = Offering._meta, Programme._meta
    columns: list[str] = []
    for code in order:
        for name in _TEXT_FIELDS:
            if name.startswith("programme__"):
                field = programme.get_field(name.split("__", 1)[1] + "_" + code)
                alias = "p"
            else:
                field = offering.get_field(name + "_" + code)
                alias = "o"
            columns.append(f"{alias}.{getattr(field, 'column', field.name)}")
    return tuple(columns)


def _join_texts() -> str:
    offering, programme = Offering._meta, Programme._meta
    return (
        f"{{join}} {offering.db_table} o ON o.{offering.pk.column} = {{id}}"
        f" {{join}} {programme.db_table} p ON p.{programme.pk.column} = o.programme_id"
    )


@lru_cache(maxsize=8)
def _page_texts(order: tuple[str, ...]) -> PageTexts:
    """The snippet texts, read by `backend.search` with the page it ranks (no second query)."""
    return PageTexts(_join_texts(), _text_columns(order))


def _snippet_rows(ids: list[int], order: tuple[str, ...]) -> dict[int, tuple[str | None, ...]]:
    """The texts snippets are cut from, in one plain query (no model instances: this is the hot path)."""
    offering, programme = Offering._meta, Programme._meta
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT o.{offering.pk.column}, {', '.join(_text_columns(order))}"
        f" FROM {offering.db_table} o JOIN {programme.db_table} p ON p.{programme.pk.column} = o.programme_id"
        f" WHERE o.{offering.pk.column} IN ({placeholders})"
    )
    with connection.cursor() as cur:
        cur.execute(sql, ids)
        return {row[0]: tuple(row[1:]) for row in cur.fetchall()}


def _snippets(plan: Plan | None, ranked: Sequence[Ranked], language: str) -> dict[int, SafeString]:
    """Each hit's snippet: safe HTML, as `snippets.Highlighter` escapes the text and adds only <mark> tags.
    (`SafeString` is what `mark_safe` makes of a str, without its check for lazy strings: one per hit.)"""
    if not ranked:
        return {}
    order = tuple(fallback_order(language))
    texts: dict[int, tuple[str | None, ...]]
    if all(hit.texts is not None for hit in ranked):
        texts = {hit.offering_id: hit.texts for hit in ranked if hit.texts is not None}
    else:
        texts = _snippet_rows([hit.offering_id for hit in ranked], order)
    highlighter = Highlighter(plan.highlight_tokens() if plan is not None else ())
    width, snippet_fields = len(_TEXT_FIELDS), len(_SNIPPET_FIELDS)
    slots = [(code, index * width) for index, code in enumerate(order)]
    result: dict[int, SafeString] = {}
    for offering_id, row in texts.items():
        candidates = [(code, text) for code, base in slots for text in row[base : base + snippet_fields] if text]
        if plan is None:
            candidates = candidates[:1]
        snippet = best_snippet(highlighter, candidates)
        if snippet is None:  # no text to cut from: the title
            snippet = escape(
                next((text for _c, base in slots for text in row[base + snippet_fields : base + width] if text), "")
            )
        result[offering_id] = SafeString(snippet)
    return result


def _split_broad_tiers(backend: SearchBackend, tiers: list[_Tier], filters: Filters) -> Iterator[_Tier]:
    """A tier with very many matches (common words) is ranked in two parts: a window of the newest
    matches first, then the rest, so no query scores tens of thousands of documents for page one and
    every page follows the same order. Split lazily: later parts are only looked at for deep pages."""
    for tier in tiers:
        if tier.size <= backend.broad_limit:
            yield tier
            continue
        window = tier.window if tier.window_known else backend.newest_window(tier.expr, filters, tier.size)
        if window is None:
            yield tier
            continue
        low, count = window
        yield _Tier(tier.expr, tier.original, count, IdRange(low=low), tier.page if tier.window_known else None)
        yield _Tier(tier.expr, tier.original, tier.size - count, IdRange(high=low))


def search_catalogue(
    *, q: str, language: str, filters: CatalogueFilters, page: int = 1, page_size: int = 20
) -> SearchPage:
    """One page of published offerings for query `q` (in any of fi/sv/en) with `filters` applied.

    `language` is the user's interface language (fi, sv or en; anything else raises `UnknownLanguage`):
    it chooses the snippet language. `facets` counts, for each field in `FACET_FIELDS`, the q + filters
    result set with that field's own filter left out. Never raises on odd input: engine syntax in `q` is
    inert, long queries are cut, a query of stop words lists everything.
    """
    code = analysis.normalise_language(language)
    try:
        page = max(1, min(int(page), MAX_PAGE))
        page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    except (TypeError, ValueError):
        page, page_size = 1, 20
    q = (q or "")[:MAX_QUERY_CHARS] if isinstance(q, str) else ""
    backend = get_backend()
    spec = _filter_spec(filters)
    offset = (page - 1) * page_size
    texts = _page_texts(tuple(fallback_order(code)))
    outcome = _match(backend, q, spec, offset, page_size, texts)
    counted = outcome.counted
    ranked: list[Ranked] = []
    if offset < counted.total:
        if outcome.plan is None:
            ranked = backend.browse(
                spec, offset=offset, limit=page_size, today=timezone.localdate(), tiers=counted.tiers
            )
        else:
            skip, wanted = offset, page_size
            for tier in _split_broad_tiers(backend, outcome.tiers, spec):
                if wanted <= 0:
                    break
                if skip >= tier.size:
                    skip -= tier.size
                    continue
                if tier.page is not None:
                    page_hits = tier.page  # ranked with the counts, at this offset and size
                else:
                    page_hits = backend.rank(
                        tier.expr,
                        tier.original,
                        spec,
                        offset=skip,
                        limit=wanted,
                        original_boost=ORIGINAL_BOOST,
                        ids=tier.ids,
                        texts=texts,
                    )
                ranked.extend(page_hits)
                wanted -= len(page_hits)
                skip = 0
    snippets = _snippets(outcome.plan, ranked, code)
    items = [
        SearchHit(hit.offering_id, round(hit.score, 6), snippets[hit.offering_id])
        for hit in ranked
        if hit.offering_id in snippets
    ]
    return SearchPage(
        items=items,
        total=counted.total,
        facets={name: counted.facets.get(name, []) for name in FACET_FIELDS},
        did_you_mean=outcome.did_you_mean,
        expanded_terms=list(outcome.plan.expanded_terms) if outcome.plan is not None else [],
        engine_query=outcome.tiers[0].expr if outcome.tiers else None,
    )
