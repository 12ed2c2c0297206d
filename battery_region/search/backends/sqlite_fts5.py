"""SQLite FTS5 through the standard `sqlite3` module (no loadable extensions).

`search_fts(t, k, b, tp, bp)` holds the analysed tokens (tokenizer `unicode61 remove_diacritics 0`, so
ä/ö/å stay distinct); its row id is `offering_id << 34 | facet_code`, which lets facet counts and facet
filters work on row ids alone. Ranking is FTS5's `bm25` with column weights (`RANK_WEIGHTS`, stored as the
table's `rank` configuration by migration 0002). `search_fts_vocab` (fts5vocab) answers "is this token
indexed", and `search_term_trigram` (FTS5 `trigram` tokenizer over `search_term`) finds candidate
spellings for "did you mean".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import connection
from django.utils import timezone

from battery_region.search import facets
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
    chunked,
    code_list,
    facet_statement,
    ranked_select,
    read_counts,
    read_ranked,
)
from battery_region.search.query import Expr, matching_form, render_fts5, with_repeated

RANK_WEIGHTS = (10.0, 6.0, 1.5, 3.0, 0.5)  # t, k, b, tp, bp
FTS_TABLE = "search_fts"
MASK = facets.CODE_MASK
CONCAT = "group_concat({})"
# CROSS JOIN keeps the ranked page as the outer loop of the texts' join: with a plain JOIN, SQLite materialises
# the ranking subquery first, which cost 0.08 ms for a page of 20 (1.5k matches at 100k offerings).
TEXTS_SQL = TextsSql("json_array({})", "CROSS JOIN")


MAX_REPEATS = 3  # an integral original boost up to this is scored by repeating the typed tokens
FORMAT_PLACEHOLDER = re.compile(r"(?<!%)%s")


@lru_cache(maxsize=256)
def _qmark(sql: str) -> str:
    """`sql` with Django's `%s` placeholders as sqlite3's `?` (what Django's SQLite cursor does on every call)."""
    return FORMAT_PLACEHOLDER.sub("?", sql).replace("%%", "%")


def fetch_rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of a read statement, run on Django's connection (so inside the caller's transaction) but
    through a plain sqlite3 cursor. Django's cursor converts the placeholders with a regular expression and
    goes through its wrappers on every call: 0.15–0.2 ms for the search statement (about 2 kB of SQL whose
    text depends on the filters, not on the words, so the conversion is kept here)."""
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cur = connection.connection.cursor()
        try:
            return cur.execute(_qmark(sql), params).fetchall()
        finally:
            cur.close()


@dataclass(frozen=True)
class _Ranking:
    """A ranking query: common table expressions and a SELECT of (rid, score), best first, with params."""

    ctes: list[str]
    cte_params: list[Any]
    select: str
    select_params: list[Any]


def _adapt_date(value: dt.date | None) -> Any:
    return connection.ops.adapt_datefield_value(value)


def _adapt_datetime(value: dt.datetime | None) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


class SqliteFts5Backend(SearchBackend):
    vendor = "sqlite"
    broad_limit = 3000
    broad_pool = 600  # as PostgreSQL's: both engines rank the same newest matches first
    code_concat = CONCAT

    # -- writing -------------------------------------------------------------------------------------
    def write(self, documents: Sequence[IndexedDocument]) -> None:
        if not documents:
            return
        now = _adapt_datetime(timezone.now())
        with connection.cursor() as cur:
            self._delete(cur, [doc.offering_id for doc in documents])
            cur.executemany(
                "INSERT INTO search_document (offering_id, fts_rowid, facet_code, provider_id, teaching_languages,"
                " start_date, start_year, start_season, modified_at, indexed_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        doc.offering_id,
                        doc.fts_rowid,
                        doc.facet_code,
                        doc.provider_id,
                        doc.teaching_languages,
                        _adapt_date(doc.start_date),
                        doc.start_year,
                        doc.start_season,
                        _adapt_datetime(doc.modified_at),
                        now,
                    )
                    for doc in documents
                ],
            )
            cur.executemany(
                f"INSERT INTO {FTS_TABLE} (rowid, t, k, b, tp, bp) VALUES (%s, %s, %s, %s, %s, %s)",
                [(doc.fts_rowid, *(" ".join(doc.columns.get(c, ())) for c in COLUMNS)) for doc in documents],
            )

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return fetch_rows(sql, params)

    def _delete(self, cur: Any, offering_ids: Sequence[int]) -> None:
        # The AFTER DELETE trigger on search_document removes the FTS5 rows (migration 0002).
        for chunk in chunked(list(offering_ids), 500):
            placeholders = ", ".join(["%s"] * len(chunk))
            cur.execute(f"DELETE FROM search_document WHERE offering_id IN ({placeholders})", list(chunk))

    def delete(self, offering_ids: Iterable[int]) -> None:
        with connection.cursor() as cur:
            self._delete(cur, list(offering_ids))

    def clear(self) -> None:
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {FTS_TABLE}")
            cur.execute("DELETE FROM search_document")
            cur.execute("DELETE FROM search_term")

    def add_vocabulary(self, words: Iterable[str]) -> None:
        unique = sorted(set(words))
        if not unique:
            return
        with connection.cursor() as cur:
            cur.executemany("INSERT OR IGNORE INTO search_term (term) VALUES (%s)", [(word,) for word in unique])

    def optimize(self) -> None:
        with connection.cursor() as cur:
            cur.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
            cur.execute("INSERT INTO search_term_trigram(search_term_trigram) VALUES ('optimize')")
            cur.execute("ANALYZE search_document")

    # -- reading -------------------------------------------------------------------------------------
    def _where(self, filters: Filters, alias: str = FTS_TABLE) -> tuple[str, list[Any]]:
        """Filter SQL for a query on the FTS table: bit tests on the row id, side filters by row id set."""
        parts: list[str] = []
        params: list[Any] = []
        code_sql = filters.code_sql(f"{alias}.rowid")
        if code_sql:
            parts.append(code_sql)
        if filters.side_sql:
            parts.append(f"{alias}.rowid IN (SELECT fts_rowid FROM search_document WHERE {filters.side_sql})")
            params.extend(filters.side_params)
        return ("".join(f" AND {part}" for part in parts), params)

    def _side(self, filters: Filters) -> tuple[str, list[Any]]:
        """The side filters (columns of `search_document`) as a row id set, without the facet code tests."""
        if not filters.side_sql:
            return "", []
        return (
            f" AND {FTS_TABLE}.rowid IN (SELECT fts_rowid FROM search_document WHERE {filters.side_sql})",
            list(filters.side_params),
        )

    def _match_codes(self, expr: Expr, filters: Filters) -> tuple[str, list[Any]]:
        """The match set of `expr` as one row `m(passing, codes)`: how many matches pass the facet filters, and
        every match's facet code as a `code_list` (no GROUP BY: SQLite would sort the codes, 0.3 ms for a word
        with 1,500 matches, 9 ms for `koulutus`)."""
        side, side_params = self._side(filters)
        code_sql = filters.code_sql(f"{FTS_TABLE}.rowid")
        passing = f"COUNT(*) FILTER (WHERE {code_sql})" if code_sql else "COUNT(*)"
        codes = code_list([f"{FTS_TABLE}.rowid & {MASK}"], CONCAT)
        sql = (
            f"m AS MATERIALIZED (SELECT {passing} AS passing, {codes} AS codes FROM {FTS_TABLE}"
            f" WHERE {FTS_TABLE} MATCH %s{side})"
        )
        return sql, [render_fts5(matching_form(expr)), *side_params]

    def count(self, expr: Expr | None, filters: Filters, today: dt.date) -> Counted:
        if expr is None:
            return self.count_all(filters, today)
        m, params = self._match_codes(expr, filters)
        return self.count_code_list([m], "SELECT codes FROM m", 1, params, filters)

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
        m, params = self._match_codes(full, filters)
        # Evaluated once per statement: the ranking part does not run for an empty or a broad match set.
        gate = f"(SELECT passing FROM m) BETWEEN 1 AND {int(self.broad_limit)}"
        ranking = self._ranking(full, original, filters, None, original_boost, gate, offset, limit)
        hit = (f"(h.rid >> {facets.CODE_BITS})", "-h.score")
        if texts is None:
            tail = f"\nUNION ALL SELECT 'hit', {hit[0]}, NULL, NULL, {hit[1]} FROM ({ranking.select}) h"
        else:
            tail = texts.tail(hit, ranking.select, TEXTS_SQL)
        sql = facet_statement([m, *ranking.ctes], "SELECT codes FROM m", 1, tail)
        counted, hits = read_counts(self.fetch(sql, [*params, *ranking.cte_params, *ranking.select_params]), filters)
        if not 0 < counted.total <= self.broad_limit:
            return Found(counted, None)
        hits.sort(key=lambda hit: (-hit.score, -hit.offering_id))
        return Found(counted, hits)

    def newest_window(self, expr: Expr, filters: Filters, total: int) -> tuple[int, int] | None:
        if total <= self.broad_limit:
            return None
        where, params = self._where(filters)
        # Row ids grow with offering ids: walking the doclist backwards finds the window's lower end.
        rows = self.fetch(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s{where} ORDER BY rowid DESC LIMIT 1 OFFSET %s",
            [render_fts5(matching_form(expr)), *params, self.broad_pool - 1],
        )
        row = rows[0] if rows else None
        if row is None:
            return None
        return facets.offering_id_from_rowid(row[0]), self.broad_pool

    @staticmethod
    def _id_range(ids: IdRange | None) -> tuple[str, list[Any]]:
        if ids is None:
            return "", []
        sql, params = "", []
        if ids.low is not None:
            sql += f" AND {FTS_TABLE}.rowid >= %s"
            params.append(ids.low << facets.CODE_BITS)
        if ids.high is not None:
            sql += f" AND {FTS_TABLE}.rowid < %s"
            params.append(ids.high << facets.CODE_BITS)
        return sql, params

    def _ranking(
        self,
        full: Expr,
        original: Expr | None,
        filters: Filters,
        ids: IdRange | None,
        original_boost: float,
        gate: str,
        offset: int,
        limit: int,
    ) -> _Ranking:
        """Score = bm25(full) + boost × bm25 of the words as typed: the typed words count more than their
        glossary expansions, so a same-language exact match ranks first. For an integral boost, each typed
        token a document holds adds its bm25 share (a document with some of the typed words gets part of
        the boost); otherwise documents matching all of `original` get boost × bm25(original)."""
        where, params = self._where(filters)
        floor, floor_params = self._id_range(ids)
        conditions = f"{where}{floor}"
        condition_params = [*params, *floor_params]
        # A false gate makes every LIMIT 0, which SQLite checks before it opens the full-text cursor.
        page_limit = f"CASE WHEN {gate} THEN %s ELSE 0 END" if gate else "%s"
        all_rows = f" LIMIT CASE WHEN {gate} THEN -1 ELSE 0 END" if gate else ""
        match = full
        copies = round(original_boost)
        if original is not None and original != full and original_boost > 0:
            if copies == original_boost and 1 <= copies <= MAX_REPEATS:
                # bm25 sums over the query's tokens: repeating the typed tokens adds their score once more
                # per repeat, in the same pass over the match set.
                match = with_repeated(full, original, copies)
            else:
                return _Ranking(
                    [
                        f"o AS MATERIALIZED (SELECT rowid AS r, rank AS s FROM {FTS_TABLE}"
                        f" WHERE {FTS_TABLE} MATCH %s{conditions}{all_rows})"
                    ],
                    [render_fts5(original), *condition_params],
                    f"SELECT {FTS_TABLE}.rowid AS rid, {FTS_TABLE}.rank + %s * COALESCE(o.s, 0) AS score"
                    f" FROM {FTS_TABLE} LEFT JOIN o ON o.r = {FTS_TABLE}.rowid"
                    f" WHERE {FTS_TABLE} MATCH %s{conditions}"
                    f" ORDER BY score, {FTS_TABLE}.rowid DESC LIMIT {page_limit} OFFSET %s",
                    [original_boost, render_fts5(full), *condition_params, limit, offset],
                )
        return _Ranking(
            [],
            [],
            f"SELECT rowid AS rid, rank AS score FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s{conditions}"
            f" ORDER BY rank, rowid DESC LIMIT {page_limit} OFFSET %s",
            [render_fts5(match), *condition_params, limit, offset],
        )

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
        ranking = self._ranking(full, original, filters, ids, original_boost, "", offset, limit)
        with_clause = f"WITH {', '.join(ranking.ctes)} " if ranking.ctes else ""
        hit = (f"(h.rid >> {facets.CODE_BITS})", "-h.score")
        rows = self.fetch(
            with_clause + ranked_select(hit, ranking.select, texts, TEXTS_SQL),
            [*ranking.cte_params, *ranking.select_params],
        )
        return read_ranked(rows)

    def matching_tokens(self, tokens: Iterable[str]) -> set[str]:
        wanted = sorted(set(tokens))
        if not wanted:
            return set()
        found: set[str] = set()
        with connection.cursor() as cur:
            for token in wanted:
                cur.execute("SELECT 1 FROM search_fts_vocab WHERE term = %s AND doc > 0", [token])
                if cur.fetchone():
                    found.add(token)
        return found

    def similar_words(self, word: str, limit: int) -> list[str]:
        grams = sorted({word[i : i + 3] for i in range(len(word) - 2)})
        grams = [gram for gram in grams if gram.isalnum()]
        if not grams:
            return []
        match = " OR ".join(f'"{gram}"' for gram in grams)
        with connection.cursor() as cur:
            cur.execute(
                "SELECT term FROM search_term_trigram WHERE search_term_trigram MATCH %s ORDER BY rank LIMIT %s",
                [match, limit],
            )
            return [row[0] for row in cur.fetchall()]

    def bare_rank(self, expr: Expr, limit: int) -> list[int]:
        rows = self.fetch(
            # The tie-break is also faster: SQLite's own top-N sort instead of FTS5's (20-25% at 100k).
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s ORDER BY rank, rowid DESC LIMIT %s",
            [render_fts5(expr), limit],
        )
        return [facets.offering_id_from_rowid(row[0]) for row in rows]

    def document_count(self) -> int:
        with connection.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM search_document")
            return int(cur.fetchone()[0])
