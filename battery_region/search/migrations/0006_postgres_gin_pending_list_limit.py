"""PostgreSQL: the full-text GIN indexes keep at most 256 kB of not-yet-merged entries.

GIN indexes collect new entries in a pending list that every search reads in full, until a vacuum or a
list of `gin_pending_list_limit` (4 MB by default) merges it into the index. Reindexing 3,000 offerings (an
import) left a 2 MB list, and searches for mid-frequency words took 50% longer (hitsaus 5.0 → 7.7 ms at
100k offerings) until autovacuum, which waits for some 20,000 inserted rows on such a table. At 256 kB the
writer that fills the list merges it, searches stay as fast, and a full rebuild takes as long as before
(20.5 s at 100k; a 64 kB list made it 25 s).
"""

from importlib import import_module

from django.db import migrations

VendorRunSQL = import_module("battery_region.search.migrations.0002_engine_structures").VendorRunSQL

INDEXES = ("search_document_tsv", "search_match_tsv")

POSTGRES = [f"ALTER INDEX {index} SET (gin_pending_list_limit = 256)" for index in INDEXES]
POSTGRES_REVERSE = [f"ALTER INDEX {index} RESET (gin_pending_list_limit)" for index in INDEXES]


class Migration(migrations.Migration):
    dependencies = [("search", "0005_postgres_facet_statistics")]

    operations = [VendorRunSQL("postgresql", POSTGRES, POSTGRES_REVERSE)]
