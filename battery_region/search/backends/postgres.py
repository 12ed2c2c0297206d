"""PostgreSQL: a `tsvector` of the analysed text (no text-search configuration of PostgreSQL touches it: the
vector is built from our tokens directly, as `'simple'` would), a GIN index, `ts_rank` with weights
A (titles) > B (qualification, keywords, provider) > C (body text, title parts) > D (body parts), and
`pg_trgm` over the vocabulary for "did you mean". Broad match sets are counted in `search_match`, a narrow
copy of the rows (facet code and lexemes, migration 0004). Snippets are built in Python from the original text
(`snippets.py`), ts_headline-style, because PostgreSQL only sees analysed tokens.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection
from django.utils import timezone

from battery_region.search.backends.base import (
    COLUMNS,
    Counted,
    Filters,
    Found,
    IdRange,
    IndexedDocument,
    PageTexts,
    Ranked,
    SearchBackend,
    TextsSql,
    code_list,
    facet_statement,
    ranked_select,
    read_ranked,
    read_statement,
)
from battery_region.search.query import All, Expr, Terms, Without, matching_form, render_tsquery

COLUMN_WEIGHTS = {"t": "A", "k": "B", "b": "C", "tp": "C", "bp": "D"}
RANK_WEIGHTS = "{0.05, 0.2, 0.5, 1.0}"  # D, C, B, A
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 255
TRIGRAM_THRESHOLD = 0.25
STATISTICS_SECONDS = 60.0
# An estimate is a sum of lexeme shares, so ORed synonyms overestimate: up to this many times `broad_limit`,
# the match set is read once, capped, and only counted separately if it turns out broad.
ESTIMATE_SLACK = 3
WINDOW_READS_PER_MATCH = 2  # see `newest_window`
# Each search_document row's facet code and its tsvector without positions, kept out of line (migrations 0004
# and 0007): counting a broad match set there reads about a sixth of the pages it reads in search_document.
MATCH_TABLE = "search_match"
CONCAT = "string_agg(CAST({} AS TEXT), ',')"
TEXTS_SQL = TextsSql("json_build_array({})::text", "JOIN")
# A grouped match set `m(code, n)` as a code list (PostgreSQL hashes the codes: cheaper than listing every
# match of a common word).
GROUPED_CODES = f"SELECT {code_list(('code', 'n'), CONCAT)} FROM m"


def _quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(columns: dict[str, list[str]]) -> str:
    """The tsvector text of a document: each token with its positions and column weight."""
    positions: dict[str, list[str]] = {}
    position = 0
    for column in COLUMNS:
        weight = COLUMN_WEIGHTS[column]
        suffix = "" if weight == "D" else weight
        for token in columns.get(column, ()):
            position = min(position + 1, MAX_POSITION)
            slots = positions.setdefault(token, [])
            if len(slots) < MAX_POSITIONS_PER_LEXEME:
                slots.append(f"{position}{suffix}")
    return " ".join(f"{_quote(token)}:{','.join(slots)}" for token, slots in positions.items())


def _page(limit: int, offset: int) -> str:
    """LIMIT and OFFSET written into a prepared statement, not bound: a generic plan that does not know them
    reads whole tables to join the page's texts (hash joins instead of 20 look-ups: `koulutus` took 54 ms
    instead of 17)."""
    return f" LIMIT {int(limit)} OFFSET {int(offset)}"


def fetch_prepared(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of `sql` run as a server-side prepared statement, with its parameters bound by the server.

    Django sends every statement as text, parsed and planned again each time; a prepared statement is parsed
    once per connection and, once PostgreSQL finds its generic plan as good as fresh ones (after five runs),
    no longer planned: 0.3–0.6 ms less for a mid-frequency word (about 4–6 ms, 100k offerings), 1.2 ms less
    for `koulutus`. The generic plans of the statements run here are the ones a fresh plan gives (GIN bitmap
    scan, then the page's rows by primary key) as long as the page's size and offset are written into the SQL
    (`_page`). Off (`SEARCH_PREPARED_STATEMENTS`) behind a pooler that drops them between transactions.
    """
    if not settings.SEARCH_PREPARED_STATEMENTS:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:  # Django turns preparing off; only server-binding cursors prepare
        raw.prepare_threshold = 5
    with connection.wrap_database_errors, psycopg.Cursor(raw) as cur:
        cur.execute(sql, params, prepare=True)
        return cur.fetchall()


class LexemeStatistics:
    """The planner's statistics for `search_document.tsv` (the most common lexemes and the share of documents
    holding each, from the last ANALYZE), re-read at most every `STATISTICS_SECONDS`. They only choose how a
    query is run (rank while reading the match set, or count it first); what it returns never depends on them.
    """

    def __init__(self) -> None:
        self._read_at = -math.inf
        self._shares: dict[str, float] = {}
        self._rare: float | None = None  # share at most, for lexemes not in the list; None: no statistics
        self._documents = 0.0

    def estimate(self, expr: Expr) -> float | None:
        """About how many documents match `expr` (rather more than fewer), or None without statistics."""
        now = time.monotonic()
        if now - self._read_at >= STATISTICS_SECONDS:
            self._read_at = now
            self._read()
        if self._rare is None:
            return None
        return self._documents * min(1.0, self._share(expr))

    def _share(self, expr: Expr) -> float:
        if isinstance(expr, Terms):
            return sum(self._shares.get(token, self._rare or 0.0) for token in expr.tokens)
        if isinstance(expr, Without):
            return self._share(expr.include)
        shares = [self._share(child) for child in expr.children]
        return min(shares) if isinstance(expr, All) else sum(shares)

    def _read(self) -> None:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT c.reltuples, s.most_common_elems::text::text[], s.most_common_elem_freqs FROM pg_class c"
                " LEFT JOIN pg_stats s ON s.schemaname = current_schema() AND s.tablename = 'search_document'"
                " AND s.attname = 'tsv' WHERE c.oid = 'search_document'::regclass"
            )
            row = cur.fetchone()
        if row is None or row[1] is None or not row[2] or row[0] is None or row[0] <= 0:
            self._rare = None
            return
        documents, lexemes, shares = row
        self._documents = float(documents)
        self._shares = dict(zip(lexemes, (float(share) for share in shares), strict=False))
        # After the lexemes' shares come the smallest and the largest share: a lexeme left out of the list is
        # rarer than the rarest one in it.
        self._rare = float(min(shares[: len(lexemes)], default=0.0))


class PostgresBackend(SearchBackend):
    vendor = "postgresql"
    broad_limit = 5000
    broad_pool = 600
    code_concat = CONCAT

    def __init__(self) -> None:
        self.statistics = LexemeStatistics()

    # -- writing -------------------------------------------------------------------------------------
    def write(self, documents: Sequence[IndexedDocument]) -> None:
        if not documents:
            return
        now = timezone.now()
        rows = [
            (
                doc.offering_id,
                doc.fts_rowid,
                doc.facet_code,
                doc.provider_id,
                doc.teaching_languages,
                doc.start_date,
                doc.start_year,
                doc.start_season,
                doc.modified_at,
                tsvector_literal(doc.columns),
            )
            for doc in documents
        ]
        columns = [list(column) for column in zip(*rows, strict=True)]  # one array per column for unnest
        with connection.cursor() as cur:
            cur.execute("DELETE FROM search_document WHERE offering_id = ANY(%s)", [columns[0]])
            # One statement per batch (not one per row): the triggers of migration 0004 copy the new rows into
            # search_match once per statement.
            cur.execute(
                "INSERT INTO search_document (offering_id, fts_rowid, facet_code, provider_id, teaching_languages,"
                " start_date, start_year, start_season, modified_at, indexed_at, tsv)"
                " SELECT d.o, d.r, d.c, d.p, d.l, d.sd, d.sy, d.ss, d.m, %s, d.t::tsvector FROM unnest("
                "%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::date[], %s::smallint[],"
                " %s::text[], %s::timestamptz[], %s::text[]) AS d(o, r, c, p, l, sd, sy, ss, m, t)",
                [now, *columns],
            )

    def delete(self, offering_ids: Iterable[int]) -> None:
        ids = list(offering_ids)
        if ids:
            with connection.cursor() as cur:
                cur.execute("DELETE FROM search_document WHERE offering_id = ANY(%s)", [ids])

    def clear(self) -> None:
        with connection.cursor() as cur:
            # DELETE, not TRUNCATE: rows written earlier in this transaction have deferred FK checks pending.
            cur.execute("DELETE FROM search_document")
            cur.execute("DELETE FROM search_term")

    def add_vocabulary(self, words: Iterable[str]) -> None:
        unique = sorted(set(words))
        if unique:
            with connection.cursor() as cur:
                cur.execute(
                    "INSERT INTO search_term (term) SELECT unnest(%s::text[]) ON CONFLICT (term) DO NOTHING", [unique]
                )

    def optimize(self) -> None:
        with connection.cursor() as cur:
            cur.execute("ANALYZE search_document")
            cur.execute(f"ANALYZE {MATCH_TABLE}")
            cur.execute("ANALYZE search_term")

    def after_rebuild(self) -> None:
        # Outside the rebuild's transaction: set hint bits and the visibility map so the first searches
        # do not pay for them.
        with connection.cursor() as cur:
            for table in ("search_document", MATCH_TABLE, "search_term"):
                # For search_term, also flushes any pending list of its trigram index (see migration 0003).
                cur.execute(f"VACUUM ANALYZE {table}")
                # A rebuild over an existing index leaves its indexes holding the old rows' entries too: twice
                # the pages (a GIN index 927 -> 2,157 at 100k offerings), and searches about 40% slower until
                # they are rebuilt. CONCURRENTLY: searches and writes go on meanwhile.
                cur.execute(f"REINDEX TABLE CONCURRENTLY {table}")

    # -- reading -------------------------------------------------------------------------------------
    def _where(self, filters: Filters) -> tuple[str, list[Any]]:
        parts = [c for c in (filters.code_sql("facet_code"), filters.side_sql) if c]
        return "".join(f" AND {part}" for part in parts), list(filters.side_params)

    def _match_codes(self, expr: Expr, filters: Filters) -> tuple[str, list[Any]]:
        """The match set of `expr` as a CTE `m(code, n)` (facet code, count), counted in the narrow
        `MATCH_TABLE` unless a filter needs a column only `search_document` has."""
        query = render_tsquery(matching_form(expr))
        if not filters.side_sql:
            inner = f"SELECT facet_code AS code, COUNT(*) AS n FROM {MATCH_TABLE} WHERE tsv @@ %s::tsquery"
            return f"m AS MATERIALIZED ({inner} GROUP BY facet_code)", [query]
        inner = (
            "SELECT facet_code AS code, COUNT(*) AS n FROM search_document"
            f" WHERE tsv @@ %s::tsquery AND {filters.side_sql} GROUP BY facet_code"
        )
        return f"m AS MATERIALIZED ({inner})", [query, *filters.side_params]

    def count(self, expr: Expr | None, filters: Filters, today: dt.date) -> Counted:
        if expr is None:
            return self.count_all(filters, today)
        m, params = self._match_codes(expr, filters)
        return self.count_code_list([m], GROUPED_CODES, 2, params, filters)

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
        estimate = self.statistics.estimate(full)
        if estimate is None or estimate <= self.broad_limit * ESTIMATE_SLACK:
            found = self._search_ranking_first(full, original, filters, offset, limit, original_boost, texts)
            if found is not None:
                return found
        # Broad: count, and rank a window of the newest matches instead of all of them.
        return self._search_broad(full, original, filters, offset, limit, original_boost, texts)

    @staticmethod
    def _hit_rows(select: str, texts: PageTexts | None) -> str:
        if texts is None:
            return f"\nUNION ALL SELECT 'hit', h.id, NULL, NULL, h.score FROM ({select}) h"
        return texts.tail(("h.id", "h.score"), select, TEXTS_SQL)

    def _search_ranking_first(
        self,
        full: Expr,
        original: Expr | None,
        filters: Filters,
        offset: int,
        limit: int,
        original_boost: float,
        texts: PageTexts | None = None,
    ) -> Found | None:
        """One read of the match set: each match's facet code and (if it passes the facet filters) score are
        kept, then counted and ranked. Stops reading after `broad_limit` + 1 matches and returns None: the
        match set is broad (the caller counts it and ranks a window of it instead)."""
        side = f" AND {filters.side_sql}" if filters.side_sql else ""
        score, score_params = self._score(full, original, original_boost)
        code_sql = filters.code_sql("facet_code")
        scored = f"CASE WHEN {code_sql} THEN {score} END" if code_sql else score
        f_cte = (
            f"f AS MATERIALIZED (SELECT offering_id, facet_code, {scored} AS score FROM search_document"
            f" WHERE tsv @@ %s::tsquery{side} LIMIT {int(self.broad_limit) + 1})"
        )
        sql = facet_statement(
            [f_cte],
            f"SELECT {code_list(['facet_code'], CONCAT)} FROM f",
            1,
            self._hit_rows(
                "SELECT offering_id AS id, score FROM f WHERE score IS NOT NULL"
                f" ORDER BY score DESC, offering_id DESC{_page(limit, offset)}",
                texts,
            ),
        )
        rows = fetch_prepared(sql, [*score_params, render_tsquery(matching_form(full)), *filters.side_params])
        counted, hits, matched, _window = read_statement(rows, filters)
        if matched > self.broad_limit:
            return None
        hits.sort(key=lambda hit: (-hit.score, -hit.offering_id))
        return Found(counted, hits if counted.total else None)

    def _search_broad(
        self,
        full: Expr,
        original: Expr | None,
        filters: Filters,
        offset: int,
        limit: int,
        original_boost: float,
        texts: PageTexts | None = None,
    ) -> Found:
        """The counts of a broad match set and, in the same statement, the window `newest_window` chooses
        from them, read once to count and rank it, with the requested page of it."""
        m, m_params = self._match_codes(full, filters)
        code_sql = filters.code_sql("code")
        score, score_params = self._score(full, original, original_boost)
        total = f"t AS (SELECT COALESCE(SUM(n), 0) AS total FROM m{' WHERE ' + code_sql if code_sql else ''})"
        window_ctes, window_params = self._window_ctes(full, filters, score)
        tail = "\nUNION ALL SELECT 'window', low, (SELECT COUNT(*) FROM w), NULL, NULL FROM lo" + self._hit_rows(
            f"SELECT offering_id AS id, score FROM w ORDER BY score DESC, offering_id DESC{_page(limit, offset)}", texts
        )
        sql = facet_statement([m, total, *window_ctes], GROUPED_CODES, 2, tail)
        rows = fetch_prepared(sql, [*m_params, *score_params, *window_params])
        counted, hits, _matched, window = read_statement(rows, filters)
        if window is None or not window[1]:
            return Found(counted, None, window_known=True)
        hits.sort(key=lambda hit: (-hit.score, -hit.offering_id))
        return Found(counted, hits, window_known=True, window=window)

    def _window_ctes(self, expr: Expr, filters: Filters, score: str) -> tuple[list[str], list[Any]]:
        """CTEs of the newest window over the filtered total in `t(total)`: `s` its size in rows, `lo` its
        lowest offering id (no row when the window is not worth it) and `w` its matches with `score` (SQL
        whose parameters come before the returned ones).

        The newest rows by primary key, about pool × documents / total of them, hold about `broad_pool`
        matches. The window reads those rows twice (count, then rank); ranking every match instead reads the
        whole unfiltered match set and scores `total` matches, which costs about `WINDOW_READS_PER_MATCH`
        window reads per match (measured at 100k offerings)."""
        where, where_params = self._where(filters)
        worth = f"total > {int(self.broad_limit)} AND scan < {int(WINDOW_READS_PER_MATCH)} * total"
        ctes = [
            f"s AS (SELECT CEIL({int(self.broad_pool)} * (SELECT GREATEST(reltuples, 1) FROM pg_class"
            " WHERE oid = 'search_document'::regclass) / GREATEST(total, 1) * 1.2)::bigint AS scan, total FROM t)",
            "lo AS MATERIALIZED (SELECT offering_id AS low FROM search_document ORDER BY offering_id DESC"
            f" OFFSET (SELECT scan - 1 FROM s) LIMIT (SELECT CASE WHEN {worth} THEN 1 ELSE 0 END FROM s))",
            # ts_match_vq is the function behind @@: not indexable, so the planner reads the id range.
            f"w AS MATERIALIZED (SELECT offering_id, {score} AS score FROM search_document"
            f" WHERE offering_id >= (SELECT low FROM lo) AND ts_match_vq(tsv, %s::tsquery){where})",
        ]
        return ctes, [render_tsquery(expr), *where_params]

    def newest_window(self, expr: Expr, filters: Filters, total: int) -> tuple[int, int] | None:
        """See `_window_ctes` (`_search_broad` chooses the same window inside its counting statement)."""
        ctes, params = self._window_ctes(expr, filters, "NULL")
        with connection.cursor() as cur:
            cur.execute(
                f"WITH t AS (SELECT %s::bigint AS total), {', '.join(ctes)}"
                " SELECT low, (SELECT COUNT(*) FROM w) FROM lo",
                [total, *params],
            )
            row = cur.fetchone()
        return (int(row[0]), int(row[1])) if row is not None and row[1] else None

    @staticmethod
    def _score(full: Expr, original: Expr | None, original_boost: float) -> tuple[str, list[Any]]:
        """ts_rank of the whole query plus `original_boost` × ts_rank of the words as typed. The second rank is
        0 for a document without them, so it is only computed where they match (the match test costs less)."""
        score = "ts_rank(%s::float4[], tsv, %s::tsquery)"
        params: list[Any] = [RANK_WEIGHTS, render_tsquery(full)]
        if original is not None and original != full and original_boost > 0:
            typed = render_tsquery(original)
            score += " + CASE WHEN tsv @@ %s::tsquery THEN %s * ts_rank(%s::float4[], tsv, %s::tsquery) ELSE 0 END"
            params += [typed, original_boost, RANK_WEIGHTS, typed]
        return score, params

    def _ranking(
        self,
        full: Expr,
        original: Expr | None,
        filters: Filters,
        ids: IdRange | None,
        original_boost: float,
        offset: int,
        limit: int,
    ) -> tuple[str, list[Any]]:
        where, params = self._where(filters)
        query = render_tsquery(full)
        score, score_params = self._score(full, original, original_boost)
        # The tsquery is a literal parameter wherever it is used, so the planner sees its selectivity. In
        # the newest window the match is the (non-indexable) function, so the id range is read instead.
        match = "tsv @@ %s::tsquery"
        if ids is not None and ids.low is not None:
            match = "ts_match_vq(tsv, %s::tsquery) AND offering_id >= %s"
            range_params: list[Any] = [query, ids.low]
        elif ids is not None and ids.high is not None:
            match = "tsv @@ %s::tsquery AND offering_id < %s"
            range_params = [query, ids.high]
        else:
            range_params = [query]
        sql = (
            f"SELECT offering_id AS id, {score} AS score FROM search_document"
            f" WHERE {match}{where}"
            " ORDER BY score DESC, offering_id DESC LIMIT %s OFFSET %s"
        )
        return sql, [*score_params, *range_params, *params, limit, offset]

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
        sql, params = self._ranking(full, original, filters, ids, original_boost, offset, limit)
        with connection.cursor() as cur:
            cur.execute(ranked_select(("h.id", "h.score"), sql, texts, TEXTS_SQL), params)
            return read_ranked(cur.fetchall())

    def matching_tokens(self, tokens: Iterable[str]) -> set[str]:
        wanted = sorted(set(tokens))
        if not wanted:
            return set()
        with connection.cursor() as cur:
            cur.execute(
                "SELECT t FROM unnest(%s::text[]) AS t WHERE EXISTS"
                " (SELECT 1 FROM search_document WHERE tsv @@ quote_literal(t)::tsquery)",
                [wanted],
            )
            return {row[0] for row in cur.fetchall()}

    def similar_words(self, word: str, limit: int) -> list[str]:
        if len(word) < 3:
            return []
        with connection.cursor() as cur:
            cur.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, false)", [str(TRIGRAM_THRESHOLD)])
            cur.execute(
                "SELECT term FROM search_term WHERE term %% %s ORDER BY similarity(term, %s) DESC, term LIMIT %s",
                [word, word, limit],
            )
            return [row[0] for row in cur.fetchall()]

    def bare_rank(self, expr: Expr, limit: int) -> list[int]:
        query = render_tsquery(expr)
        rows = fetch_prepared(
            "SELECT offering_id FROM search_document WHERE tsv @@ %s::tsquery"
            " ORDER BY ts_rank(%s::float4[], tsv, %s::tsquery) DESC, offering_id DESC LIMIT %s",
            [query, RANK_WEIGHTS, query, limit],
        )
        return [int(row[0]) for row in rows]

    def document_count(self) -> int:
        with connection.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM search_document")
            return int(cur.fetchone()[0])
