"""Full-text structures per database engine (raw SQL, run only on the matching vendor).

SQLite: the FTS5 index `search_fts` (row id = offering id << 34 | facet code; bm25 column weights as its
rank), `search_fts_vocab` (fts5vocab) for "is this word indexed", `search_term_trigram` (trigram FTS5
over the vocabulary) for "did you mean", and triggers that keep both in step with their tables.
PostgreSQL: pg_trgm, a `tsv tsvector` column, its GIN index, and a trigram index on the vocabulary. The
column's storage is EXTERNAL, meant to keep rows narrow for counting, but PostgreSQL only moves values out
of line from rows over about 2 kB: migrations 0004 and 0007 count in a narrow copy instead.
"""

from typing import Any

from django.db import migrations


class VendorRunSQL(migrations.RunSQL):
    """RunSQL that only runs when `schema_editor.connection.vendor` is `vendor`."""

    def __init__(self, vendor: str, sql: list[str], reverse_sql: list[str]) -> None:
        super().__init__(sql, reverse_sql)
        self.vendor = vendor

    def deconstruct(self) -> Any:
        name, args, kwargs = super().deconstruct()
        return name, [self.vendor, kwargs.pop("sql"), kwargs.pop("reverse_sql", [])], kwargs

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


SQLITE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(t, k, b, tp, bp, tokenize = 'unicode61 remove_diacritics 0')",
    "INSERT INTO search_fts(search_fts, rank) VALUES ('rank', 'bm25(10.0, 6.0, 1.5, 3.0, 0.5)')",
    "CREATE VIRTUAL TABLE search_fts_vocab USING fts5vocab(search_fts, 'row')",
    "CREATE VIRTUAL TABLE search_term_trigram USING fts5(term, content = 'search_term', content_rowid = 'id',"
    " tokenize = 'trigram')",
    "CREATE TRIGGER search_term_ai AFTER INSERT ON search_term BEGIN"
    " INSERT INTO search_term_trigram(rowid, term) VALUES (new.id, new.term); END",
    "CREATE TRIGGER search_term_ad AFTER DELETE ON search_term BEGIN"
    " INSERT INTO search_term_trigram(search_term_trigram, rowid, term) VALUES ('delete', old.id, old.term); END",
    "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN"
    " DELETE FROM search_fts WHERE rowid = old.fts_rowid; END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS search_document_ad",
    "DROP TRIGGER IF EXISTS search_term_ad",
    "DROP TRIGGER IF EXISTS search_term_ai",
    "DROP TABLE IF EXISTS search_term_trigram",
    "DROP TABLE IF EXISTS search_fts_vocab",
    "DROP TABLE IF EXISTS search_fts",
]

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE search_document ADD COLUMN tsv tsvector NOT NULL DEFAULT ''::tsvector",
    "ALTER TABLE search_document ALTER COLUMN tsv SET STORAGE EXTERNAL",
    "ALTER TABLE search_document SET (toast_tuple_target = 128)",
    "CREATE INDEX search_document_tsv ON search_document USING gin (tsv)",
    "CREATE INDEX search_term_trgm ON search_term USING gin (term gin_trgm_ops)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS search_term_trgm",
    "DROP INDEX IF EXISTS search_document_tsv",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS tsv",
]


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        VendorRunSQL("sqlite", SQLITE, SQLITE_REVERSE),
        VendorRunSQL("postgresql", POSTGRES, POSTGRES_REVERSE),
    ]
