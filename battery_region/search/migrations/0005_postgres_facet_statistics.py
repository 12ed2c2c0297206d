"""PostgreSQL: statistics on the facet filters' bit tests of `search_document.facet_code`.

A catalogue filter is a bit test such as `(facet_code & 3670016) = 1048576` (country = SE). Without
statistics on these expressions the planner guesses each passes 0.5% of the rows, so a filtered list with no
query words (country and mode chosen) read the whole table instead of walking the start-date index until it
had a page: 25 ms instead of 0.2 at 100k offerings. The masks are those of `facets.FIELDS` (one per field,
one per language bit); `tests/search/test_indexing.py` checks that they still are.
"""

from importlib import import_module

from django.db import migrations

VendorRunSQL = import_module("battery_region.search.migrations.0002_engine_structures").VendorRunSQL

# country, region, eqf_level, credits_system, mode, open_for_exchange
FIELD_MASKS = (3670016, 17175674880, 3840, 240, 14, 1)
# language bits: fi, sv, en, se, no, de, other
LANGUAGE_MASKS = (4096, 8192, 16384, 32768, 65536, 131072, 262144)


def _statistics(name: str, masks: tuple[int, ...]) -> str:
    expressions = ", ".join(f"(facet_code & {mask})" for mask in masks)
    return f"CREATE STATISTICS {name} (mcv) ON {expressions} FROM search_document"


POSTGRES = [
    _statistics("search_document_field_bits", FIELD_MASKS),
    _statistics("search_document_language_bits", LANGUAGE_MASKS),
    "ANALYZE search_document",
]
POSTGRES_REVERSE = [
    "DROP STATISTICS IF EXISTS search_document_language_bits",
    "DROP STATISTICS IF EXISTS search_document_field_bits",
]


class Migration(migrations.Migration):
    dependencies = [("search", "0004_postgres_match_table")]

    operations = [VendorRunSQL("postgresql", POSTGRES, POSTGRES_REVERSE)]
