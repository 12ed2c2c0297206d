"""The interface every search backend implements, and the engine-neutral pieces they share."""

from __future__ import annotations

import datetime as dt
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connection

from battery_region.search import facets
from battery_region.search.query import Expr

REGION_LABELS = "search_facet_value"  # SearchFacetValue: region code → value, read in the same statement

# Index columns: lemmas of titles (t), of keys — qualification title, keywords, provider (k), of body text —
# description, learning outcomes (b), compound parts of titles and keys (tp) and of the body (bp).
COLUMNS = ("t", "k", "b", "tp", "bp")


@dataclass
class IndexedDocument:
    """One offering as the index stores it: analysed tokens per column plus its filter values."""

    offering_id: int
    facet_code: int
    provider_id: int
    teaching_languages: str
    start_date: dt.date | None
    start_year: int | None
    start_season: str
    modified_at: dt.datetime | None
    columns: dict[str, list[str]] = field(default_factory=dict)
    vocabulary: set[str] = field(default_factory=set)

    @property
    def fts_rowid(self) -> int:
        return facets.fts_rowid(self.offering_id, self.facet_code)


@dataclass(frozen=True)
class Filters:
    """The catalogue filters as SQL: bit tests on the facet code, plus conditions on `search_document`."""

    predicates: tuple[facets.Predicate, ...] = ()
    side_sql: str = ""  # over search_document columns, "%s" placeholders
    side_params: tuple[Any, ...] = ()

    def code_sql(self, code_expr: str) -> str:
        return " AND ".join(p.sql.format(c=code_expr) for p in self.predicates)


@dataclass(frozen=True)
class IdRange:
    """Offering ids `low <= id` (the newest window) or `id < high` (the rest)."""

    low: int | None = None
    high: int | None = None


class Ranked(NamedTuple):  # a tuple: a page makes one per hit
    offering_id: int
    score: float
    texts: tuple[str | None, ...] | None = None  # the `PageTexts` columns, when `search` read them


class TextsSql(NamedTuple):
    """How an engine reads a page's texts: its JSON array of `{}`, and the join that reads each hit's rows."""

    json_array: str
    join: str


@dataclass(frozen=True)
class PageTexts:
    """Columns `search` reads for each hit of the page it ranks, in the same statement (the texts snippets
    are cut from): `join` adds the tables, with `{id}` standing for the hit's offering id and `{join}` for the
    engine's join keyword."""

    join: str
    columns: tuple[str, ...]

    def tail(self, id_score: tuple[str, str], hits: str, engine: TextsSql) -> str:
        """`UNION ALL` rows `('hit', id, NULL, texts as a JSON array, score)` over the subquery `hits`."""
        offering_id, score = id_score
        array = self._array(engine)
        return f"\nUNION ALL SELECT 'hit', {offering_id}, NULL, {array}, {score}{self._source(id_score, hits, engine)}"

    def select(self, id_score: tuple[str, str], hits: str, engine: TextsSql) -> str:
        """Rows `(id, score, texts as a JSON array)` over the subquery `hits`, in no particular order."""
        offering_id, score = id_score
        return f"SELECT {offering_id}, {score}, {self._array(engine)}{self._source(id_score, hits, engine)}"

    def _array(self, engine: TextsSql) -> str:
        return engine.json_array.format(", ".join(self.columns))

    def _source(self, id_score: tuple[str, str], hits: str, engine: TextsSql) -> str:
        return f" FROM ({hits}) h {self.join.format(id=id_score[0], join=engine.join)}"


@dataclass(frozen=True)
class Counted:
    total: int
    facets: dict[str, list[tuple[str, int]]]
    tiers: tuple[int, int, int] = (0, 0, 0)  # browse only: upcoming, undated, past


@dataclass(frozen=True)
class Found:
    """What `search` returns: the counts, and the ranked page unless the match set was empty or broad.

    An engine may also choose the newest window of a broad match set in the same statement
    (`window_known`): `window` is then what `newest_window` would return, and `page` the window's page."""

    counted: Counted
    page: list[Ranked] | None
    window_known: bool = False
    window: tuple[int, int] | None = None


class SearchBackend(ABC):
    """One full-text engine. All methods run on Django's default connection, inside the caller's
    transaction, so index writes commit or roll back with the data they describe."""

    vendor: str = ""
    # Above this many matches, the newest `broad_pool` or so are ranked first (see `newest_window`).
    broad_limit: int = 3000
    broad_pool: int = 600
    code_concat: str = ""  # the string aggregate of `code_list`, over `{}`

    # -- writing
    @abstractmethod
    def write(self, documents: Sequence[IndexedDocument]) -> None: ...

    @abstractmethod
    def delete(self, offering_ids: Iterable[int]) -> None: ...

    @abstractmethod
    def clear(self) -> None: ...

    @abstractmethod
    def add_vocabulary(self, words: Iterable[str]) -> None: ...

    def optimize(self) -> None:  # noqa: B027 - optional hook, nothing to do by default
        """Compact the index at the end of a rebuild, inside its transaction (optional)."""

    def after_rebuild(self) -> None:  # noqa: B027 - optional hook, nothing to do by default
        """Maintenance after the rebuild has committed, outside any transaction (optional)."""

    # -- reading
    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """The rows of one read statement (`%s` placeholders), inside the caller's transaction. An engine may
        run its statements its own way (prepared, or without Django's per-call conversions)."""
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def count_code_list(
        self, ctes: Sequence[str], codes: str, width: int, params: Sequence[Any], filters: Filters
    ) -> Counted:
        """Total, facets (and browse tier sizes) of a match set given as a `facet_statement` code list: only
        the engine's match query and string aggregate differ between the engines."""
        counted, _hits = read_counts(self.fetch(facet_statement(ctes, codes, width), params), filters)
        return counted

    def count_all(self, filters: Filters, today: dt.date) -> Counted:
        """`count` of the empty query: every indexed offering passing the filters, with the browse tier sizes."""
        codes = f"SELECT {code_list(BROWSE_COLUMNS, self.code_concat)} FROM ({browse_codes_sql(filters.side_sql)}) b"
        params = [connection.ops.adapt_datefield_value(today), *filters.side_params]
        return self.count_code_list([], codes, len(BROWSE_COLUMNS), params, filters)

    @abstractmethod
    def count(self, expr: Expr | None, filters: Filters, today: dt.date) -> Counted:
        """Total and facets of the match set (`expr` None: every indexed offering)."""

    @abstractmethod
    def search(
        self,
        full: Expr,
        original: Expr | None,
        filters: Filters,
        *,
        offset: int,
        limit: int,
        original_boost: float,
        texts: PageTexts | None = None,
    ) -> Found:
        """`count(full)` and, unless the match set is empty or broad (more than `broad_limit` matches, or so
        by the engine's estimate), `rank(full, original, ...)` for the page at `offset`, in one statement
        that ranks only when the count allows it. The page's hits carry the `texts` columns; `page` is None
        when nothing was ranked (the caller then ranks, a window of the newest matches for a broad set)."""

    @abstractmethod
    def rank(
        self,
        full: Expr,
        original: Expr | None,
        filters: Filters,
        *,
        offset: int,
        limit: int,
        original_boost: float,
        ids: IdRange | None = None,
        texts: PageTexts | None = None,
    ) -> list[Ranked]:
        """A page of the match set of `full` (within `ids`), best first; documents that also match
        `original` (the query as typed, without glossary expansion) get `original_boost` times their score
        for it on top. The hits carry the `texts` columns."""

    @abstractmethod
    def newest_window(self, expr: Expr, filters: Filters, total: int) -> tuple[int, int] | None:
        """For a very broad match set: (lowest offering id, number of matches) of a window of about
        `broad_pool` of the newest matches, which is ranked before the rest; None to rank everything."""

    def browse(
        self, filters: Filters, *, offset: int, limit: int, today: dt.date, tiers: tuple[int, int, int]
    ) -> list[Ranked]:
        """A page of every (filtered) offering: upcoming starts soonest first, then undated, then past.
        `tiers` are the three parts' sizes (from `count_all`): only the parts the page reaches are read."""
        conditions = [c for c in (filters.code_sql("facet_code"), filters.side_sql) if c]
        where = "".join(f" AND {c}" for c in conditions)
        day = connection.ops.adapt_datefield_value(today)
        tier_queries: tuple[tuple[str, str, list[Any]], ...] = (
            ("start_date >= %s", "start_date, offering_id", [day]),
            ("start_date IS NULL", "offering_id DESC", []),
            ("start_date < %s", "start_date DESC, offering_id DESC", [day]),
        )
        results: list[Ranked] = []
        skip, wanted = offset, limit
        with connection.cursor() as cur:
            for size, (condition, order, condition_params) in zip(tiers, tier_queries, strict=True):
                if wanted <= 0:
                    break
                if skip >= size:
                    skip -= size
                    continue
                cur.execute(
                    f"SELECT offering_id FROM search_document WHERE {condition}{where}"
                    f" ORDER BY {order} LIMIT %s OFFSET %s",
                    [*condition_params, *filters.side_params, wanted, skip],
                )
                rows = cur.fetchall()
                results.extend(Ranked(int(row[0]), 0.0) for row in rows)
                wanted -= len(rows)
                skip = 0
        return results

    @abstractmethod
    def matching_tokens(self, tokens: Iterable[str]) -> set[str]:
        """The tokens that occur in at least one indexed document."""

    @abstractmethod
    def similar_words(self, word: str, limit: int) -> list[str]:
        """Vocabulary words that look like `word` (trigram candidates; the caller ranks by edit distance)."""

    @abstractmethod
    def bare_rank(self, expr: Expr, limit: int) -> list[int]:
        """The engine alone: the top `limit` for `expr` in the order `search` gives (score, then the newer
        offering), no filters, facets or texts (bench reference)."""

    @abstractmethod
    def document_count(self) -> int: ...


def chunked(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def browse_codes_sql(side_sql: str) -> str:
    """The match set of an empty query (every indexed offering passing `side_sql`) as rows of facet code,
    count, and of those the browse tiers 0 (starts on the date given as the first parameter or later) and 1
    (no start date: continuous, individual); tier 2 (started already) is the rest. One group per code, so
    the covering index on (facet_code, start_date) is read in order, without sorting."""
    return (
        "SELECT facet_code AS code, COUNT(*) AS n, SUM(CASE WHEN start_date >= %s THEN 1 ELSE 0 END) AS t0,"
        " SUM(CASE WHEN start_date IS NULL THEN 1 ELSE 0 END) AS t1 FROM search_document"
        f"{' WHERE ' + side_sql if side_sql else ''} GROUP BY facet_code"
    )


BROWSE_COLUMNS = ("code", "n", "t0", "t1")


def code_list(columns: Sequence[str], concat: str) -> str:
    """An aggregate of the rows' `columns` (the facet code, then counts) as one comma-separated text, which
    `facets.parse_code_list` reads; `concat` is the engine's string aggregate of the text `{}` (integers, or
    integers joined by `||`, which makes text of them on both engines)."""
    return concat.format(" || ',' || ".join(columns))


def facet_statement(ctes: Sequence[str], codes: str, width: int, tail: str = "") -> str:
    """One statement giving `(kind, key, count, label, score)` rows: the match set's code list (`codes`, a
    SELECT of one `code_list` text of `width` columns, as the `codes` row's label), every region code's value
    (`label` rows, for the facet values), then `tail`."""
    with_clause = f"WITH {', '.join(ctes)}\n" if ctes else ""
    return (
        f"{with_clause}SELECT 'codes' AS kind, {int(width)} AS k, CAST(NULL AS BIGINT) AS cnt, ({codes}) AS label,"
        " CAST(NULL AS DOUBLE PRECISION) AS score"
        f"\nUNION ALL SELECT 'label', code, NULL, value, NULL FROM {REGION_LABELS} WHERE field = 'region'{tail}"
    )


def read_counts(rows: Iterable[Sequence[Any]], filters: Filters) -> tuple[Counted, list[Ranked]]:
    """Split the rows of a `facet_statement` into the counts and the ranked hits (`hit` rows)."""
    read = read_statement(rows, filters)
    return read.counted, read.hits


class StatementRows(NamedTuple):
    counted: Counted
    hits: list[Ranked]
    matched: int  # the size of the match set before the facet filters
    window: tuple[int, int] | None  # a `window` row: (lowest offering id, matches)


def read_statement(rows: Iterable[Sequence[Any]], filters: Filters) -> StatementRows:
    """`read_counts`, plus the size of the match set before the facet filters and a newest window."""
    window: tuple[int, int] | None = None
    table = facets.parse_code_list(None, 1)
    labels: dict[int, str] = {}
    hits: list[tuple[int, float]] = []
    texts: list[str | None] = []
    for kind, key, count, label, score in rows:
        if kind == "hit":
            hits.append((int(key), float(score)))
            texts.append(label)
        elif kind == "label":
            labels[int(key)] = label
        elif kind == "codes":
            table = facets.parse_code_list(label, int(key))
        elif kind == "window":
            window = (int(key), int(count))
    counts = facets.count_codes(table, filters.predicates)
    counted = Counted(counts.total, facets.decode_facets(counts.per_field, labels.get), counts.tiers)
    return StatementRows(counted, ranked_hits(hits, texts), counts.matched, window)


def ranked_select(id_score: tuple[str, str], hits: str, texts: PageTexts | None, engine: TextsSql) -> str:
    """Rows `(id, score, texts as a JSON array or NULL)` over the ranking subquery `hits`, for `read_ranked`."""
    if texts is None:
        return f"SELECT {id_score[0]}, {id_score[1]}, NULL FROM ({hits}) h"
    return texts.select(id_score, hits, engine)


def read_ranked(rows: list[tuple[Any, ...]]) -> list[Ranked]:
    """The rows of `ranked_select`, best first (score, then the newer offering; a join does not keep the
    ranking's order)."""
    rows.sort(key=lambda row: (-row[1], -row[0]))
    return ranked_hits([(int(row[0]), float(row[1])) for row in rows], [row[2] for row in rows])


def ranked_hits(hits: Sequence[tuple[int, float]], texts: Sequence[str | None]) -> list[Ranked]:
    """`Ranked` hits from (offering id, score) pairs, carrying their texts (JSON arrays) when every hit has
    them: the page's texts are parsed as one JSON document, not one per hit."""
    if texts and all(text is not None for text in texts):
        parsed = json.loads("[" + ",".join(texts) + "]")  # type: ignore[arg-type]
        return [Ranked(offering_id, score, tuple(row)) for (offering_id, score), row in zip(hits, parsed, strict=True)]
    return [Ranked(offering_id, score) for offering_id, score in hits]
