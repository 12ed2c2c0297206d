"""PostgreSQL: the vocabulary's trigram index writes straight into the index (`fastupdate = off`).

With the default pending list, words inserted after the index was created (all of them: the vocabulary is
filled by the first rebuild) stayed in the list until a vacuum, and the planner, which prices a scan of the
whole list into every search of the index, read the table instead (8–15 ms per "did you mean" look-up at
about 10,000 words instead of well under one). The list written so far is flushed into the index here.
"""

from importlib import import_module

from django.db import migrations

VendorRunSQL = import_module("battery_region.search.migrations.0002_engine_structures").VendorRunSQL

POSTGRES = [
    "ALTER INDEX search_term_trgm SET (fastupdate = off)",
    "SELECT gin_clean_pending_list('search_term_trgm'::regclass)",
]
POSTGRES_REVERSE = ["ALTER INDEX search_term_trgm RESET (fastupdate)"]


class Migration(migrations.Migration):
    dependencies = [("search", "0002_engine_structures")]

    operations = [VendorRunSQL("postgresql", POSTGRES, POSTGRES_REVERSE)]
