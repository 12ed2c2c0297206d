"""PostgreSQL: `search_match` keeps its tsvector out of line, so counting a common word reads small rows.

Counting the matches of a common word (`koulutus`: 45% of 100k offerings) visits the heap row of every
match for its facet code; the tsvector is only there for the GIN index, which answers lexeme queries
without rechecking rows. Migration 0004 found that PostgreSQL keeps a 300-byte tsvector in the row: it only
starts moving values out of line from rows over about 2 kB (`TOAST_TUPLE_THRESHOLD`, compiled in), whatever
the column's storage says; `toast_tuple_target` only sets how small it then makes the row.

So each row also carries `toast_lift`, 2,048 spaces. They lift the row over the threshold; the tsvector
(storage EXTERNAL) then goes to the TOAST table, and `toast_lift` (storage MAIN: compressed, kept in the
row) shrinks to a few bytes, until the row is under `toast_tuple_target` (128). A row is then about 100
bytes instead of 370: the table has 1,235 pages instead of 4,617 at 100k offerings, and a search for
`koulutus` took 10.1 ms instead of 13.0 (`make bench`, common words p50). Writes store one more TOAST row
per offering. Nothing reads `toast_lift`; the triggers of 0004 insert rows without it (its default).

The table is copied rather than altered: a new column's default is not written into existing rows.
"""

from importlib import import_module

from django.db import migrations

VendorRunSQL = import_module("battery_region.search.migrations.0002_engine_structures").VendorRunSQL


def _rebuild(columns: str, options: str, storage: list[str]) -> list[str]:
    """Statements that replace `search_match` by a table of `columns` holding the same rows."""
    return [
        "ALTER TABLE search_match RENAME TO search_match_previous",
        "ALTER INDEX search_match_pkey RENAME TO search_match_previous_pkey",
        "DROP INDEX search_match_tsv",
        f"CREATE TABLE search_match ({columns}){options}",
        *storage,
        "INSERT INTO search_match (offering_id, facet_code, tsv) SELECT offering_id, facet_code, tsv FROM search_match_previous",
        "DROP TABLE search_match_previous",
        "CREATE INDEX search_match_tsv ON search_match USING gin (tsv) WITH (gin_pending_list_limit = 256)",
        "ANALYZE search_match",
    ]


BASE_COLUMNS = "offering_id bigint PRIMARY KEY, facet_code bigint NOT NULL, tsv tsvector NOT NULL"

POSTGRES = _rebuild(
    f"{BASE_COLUMNS}, toast_lift text NOT NULL DEFAULT repeat(' ', 2048)",
    " WITH (toast_tuple_target = 128)",
    [
        "ALTER TABLE search_match ALTER COLUMN tsv SET STORAGE EXTERNAL",
        "ALTER TABLE search_match ALTER COLUMN toast_lift SET STORAGE MAIN",
    ],
)
POSTGRES_REVERSE = _rebuild(BASE_COLUMNS, "", [])


class Migration(migrations.Migration):
    dependencies = [("search", "0006_postgres_gin_pending_list_limit")]

    operations = [VendorRunSQL("postgresql", POSTGRES, POSTGRES_REVERSE)]
