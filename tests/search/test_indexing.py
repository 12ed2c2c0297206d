"""The index follows the data: same transaction, only published offerings, rebuild command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from battery_region.catalogue.filters import CatalogueFilters
from battery_region.catalogue.models import Offering
from battery_region.search.backends import get_backend
from battery_region.search.indexing import index_offerings, indexing_session, rebuild_index, remove_offerings
from battery_region.search.models import SearchDocument, SearchTerm
from battery_region.search.service import search_catalogue
from tests.search.factories import offering

pytestmark = pytest.mark.django_db


def ids(q: str, **filters: object) -> list[int]:
    page = search_catalogue(q=q, language="fi", filters=CatalogueFilters(**filters), page_size=100)  # type: ignore[arg-type]
    return [hit.offering_id for hit in page.items]


def fts_row_count() -> int:
    """Rows in the engine's full-text index; on PostgreSQL also checks that `search_match` (the narrow copy
    broad match sets are counted in) holds exactly each document's facet code and lexemes."""
    table = "search_fts" if connection.vendor == "sqlite" else "search_document"
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT COUNT(*) FROM search_document d FULL JOIN search_match m USING (offering_id)"
                " WHERE d.offering_id IS NULL OR m.offering_id IS NULL OR m.facet_code <> d.facet_code"
                " OR m.tsv <> strip(d.tsv)"
            )
            assert cur.fetchone()[0] == 0
            cur.execute("SELECT COUNT(*) FROM search_match")
            matched = int(cur.fetchone()[0])
        cur.execute(f"SELECT COUNT(*) FROM {table}")
        count = int(cur.fetchone()[0])
    if connection.vendor == "postgresql":
        assert matched == count
    return count


def test_index_and_find() -> None:
    o = offering(title="Akkukennojen valmistus", description="Opit kennojen pinnoituksen.")
    index_offerings([o.pk])
    assert ids("akkukenno") == [o.pk]
    assert SearchDocument.objects.filter(offering=o).exists()
    assert SearchTerm.objects.filter(term="akkukennojen").exists()


def test_reindex_reflects_changes() -> None:
    o = offering(title="Hitsauksen perusteet")
    index_offerings([o.pk])
    assert ids("hitsaus") == [o.pk]
    o.programme.title_fi = "Robotiikan perusteet"
    o.programme.save()
    index_offerings([o.pk])
    assert ids("hitsaus") == []
    assert ids("robotiikka") == [o.pk]
    assert fts_row_count() == 1


def test_only_published_offerings_are_indexed() -> None:
    draft = offering(title="Akkukemia luonnos", status=Offering.Status.DRAFT)
    hidden = offering(title="Akkukemia piilotettu", programme_kwargs={"published": False})
    cancelled = offering(title="Akkukemia peruttu", status=Offering.Status.CANCELLED)
    index_offerings([draft.pk, hidden.pk, cancelled.pk])
    assert ids("akkukemia") == [cancelled.pk]  # published() semantics: cancelled is still listed
    assert ids("") == [cancelled.pk]


def test_unpublishing_removes_the_entry() -> None:
    o = offering(title="Kaivostekniikka")
    index_offerings([o.pk])
    o.status = Offering.Status.DRAFT
    o.save()
    index_offerings([o.pk])
    assert ids("kaivostekniikka") == []
    assert not SearchDocument.objects.filter(offering=o).exists()
    assert fts_row_count() == 0


def test_remove_offerings() -> None:
    a = offering(title="Litiumin jalostus")
    b = offering(title="Litiumkemia")
    index_offerings([a.pk, b.pk])
    remove_offerings([a.pk])
    assert ids("litium") == [b.pk]
    remove_offerings([])  # nothing to do is fine
    assert fts_row_count() == 1


def test_index_rolls_back_with_the_data() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        o = offering(title="Kuivahuonetyöskentely")
        index_offerings([o.pk])
        assert ids("kuivahuone") == [o.pk]
        raise RuntimeError("the writer failed after indexing")
    assert ids("kuivahuone") == []
    assert fts_row_count() == 0
    assert not SearchDocument.objects.exists()


def test_a_session_writes_each_word_once_and_ends_with_its_transaction() -> None:
    first = offering(title="Akkukennojen valmistus")
    second = offering(title="Akkukennojen kierrätys")
    written: list[set[str]] = []
    backend = get_backend()
    original = backend.add_vocabulary

    def spy(words: object) -> None:
        written.append(set(words))  # type: ignore[call-overload]
        original(words)  # type: ignore[arg-type]

    backend.add_vocabulary = spy  # type: ignore[method-assign]
    try:
        with transaction.atomic(), indexing_session():
            index_offerings([first.pk])
            index_offerings([second.pk])
        assert "akkukennojen" in written[0]
        assert "akkukennojen" not in written[1]  # already written in this transaction
        assert "kierrätys" in written[1]
        assert set(SearchTerm.objects.values_list("term", flat=True)) >= {"akkukennojen", "valmistus", "kierrätys"}
        # Outside the session every call writes its words again (they may have been rolled back meanwhile).
        with transaction.atomic():
            index_offerings([second.pk])
        assert "akkukennojen" in written[2]
    finally:
        del backend.add_vocabulary


def test_words_of_a_rolled_back_session_are_written_again() -> None:
    o = offering(title="Akkukennojen valmistus")
    with pytest.raises(RuntimeError), transaction.atomic(), indexing_session():
        index_offerings([o.pk])
        raise RuntimeError("roll back")
    assert not SearchTerm.objects.filter(term="akkukennojen").exists()
    with transaction.atomic(), indexing_session():
        index_offerings([o.pk])
    assert SearchTerm.objects.filter(term="akkukennojen").exists()


def test_deleting_an_offering_drops_its_entry() -> None:
    o = offering(title="Akkujen kierrätys")
    index_offerings([o.pk])
    o.delete()
    assert ids("kierrätys") == []
    assert fts_row_count() == 0


def test_unknown_and_repeated_ids_are_harmless() -> None:
    o = offering(title="Sähköasentaja")
    index_offerings([o.pk, o.pk, 999_999])
    assert ids("sähköasentaja") == [o.pk]


def test_rebuild_command(capsys: pytest.CaptureFixture[str]) -> None:
    a = offering(title="Prosessinhoitaja")
    b = offering(title="Prosessinhoitajan jatkokoulutus")
    offering(title="Luonnos", status=Offering.Status.DRAFT)
    out = StringIO()
    call_command("rebuild_search_index", "--batch-size", "1", stdout=out, stderr=StringIO())
    assert "Indexed 2 published offerings" in out.getvalue()
    assert sorted(ids("prosessinhoitaja")) == sorted([a.pk, b.pk])
    assert get_backend().document_count() == 2
    assert rebuild_index(optimize=False) == 2  # rebuilding again gives the same index
    assert fts_row_count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's narrow copy of the index")
def test_the_narrow_copy_follows_every_write_to_the_index() -> None:
    a = offering(title="Akkukennojen valmistus")
    b = offering(title="Hitsauksen perusteet")
    index_offerings([a.pk, b.pk])
    assert fts_row_count() == 2
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE search_document SET tsv = tsv || 'lisäsana:1'::tsvector, facet_code = facet_code + 1"
            " WHERE offering_id = %s",
            [a.pk],
        )
        assert fts_row_count() == 2  # the copy holds the new lexeme and facet code
        cur.execute("SELECT COUNT(*) FROM search_match WHERE tsv @@ 'lisäsana'::tsquery")
        assert cur.fetchone()[0] == 1
        cur.execute("DELETE FROM search_document WHERE offering_id = %s", [b.pk])
        assert fts_row_count() == 1
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses to run with deferred checks pending
        cur.execute("TRUNCATE search_document")
        assert fts_row_count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's narrow copy of the index")
def test_the_narrow_copy_keeps_its_tsvectors_out_of_line() -> None:
    """Migration 0007: each row's tsvector goes to the TOAST table and the row keeps a few bytes of filler,
    so counting a common word reads small rows (see there)."""
    made = [offering(title=f"Akkukennojen valmistus {n}") for n in range(3)]
    index_offerings([o.pk for o in made])
    with connection.cursor() as cur:
        cur.execute("SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = 'search_match'::regclass")
        toast_table = cur.fetchone()[0]
        cur.execute(f"SELECT COUNT(DISTINCT chunk_id) FROM {toast_table}")
        assert cur.fetchone()[0] == 3
        cur.execute("SELECT MAX(pg_column_size(toast_lift)), MIN(length(toast_lift)) FROM search_match")
        stored, length = cur.fetchone()
    assert stored < 100 and length == 2048
    assert fts_row_count() == 3  # the moved tsvectors are each document's lexemes
    assert len(ids("akkukennojen valmistus")) == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's index maintenance")
@pytest.mark.django_db(transaction=True)
def test_a_rebuild_over_an_existing_index_leaves_fresh_indexes() -> None:
    """After the rebuild commits, its indexes are rebuilt without the old rows' entries (concurrently: no
    lock that stops searches); nothing is left half-built."""
    made = [offering(title=f"Akkukennojen valmistus {n}") for n in range(3)]
    index_offerings([o.pk for o in made])

    def index_ids() -> dict[str, int]:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT c.relname, c.oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " WHERE i.indrelid IN ('search_document'::regclass, 'search_match'::regclass, 'search_term'::regclass)"
            )
            return dict(cur.fetchall())

    before = index_ids()
    assert connection.get_autocommit()
    assert rebuild_index() == 3
    after = index_ids()
    assert set(after) == set(before)  # no leftover `_ccnew` copy
    assert all(after[name] != before[name] for name in before)  # each one rebuilt
    with connection.cursor() as cur:
        cur.execute("SELECT bool_and(indisvalid) FROM pg_index WHERE indexrelid = ANY(%s)", [list(after.values())])
        assert cur.fetchone()[0]
    assert len(ids("akkukennojen valmistus")) == 3


def test_the_facet_statistics_cover_every_filter_bit_test() -> None:
    """Migration 0005 keeps PostgreSQL statistics on each filter's bit test: its masks are the fields'."""
    from importlib import import_module

    from battery_region.search import facets

    migration = import_module("battery_region.search.migrations.0005_postgres_facet_statistics")
    expected_fields = [facets.FIELDS[name] for name in facets.FIELDS if name != "language"]
    order = ["country", "region", "eqf_level", "credits_system", "mode", "open_for_exchange"]
    assert [f.name for f in expected_fields] == order
    assert migration.FIELD_MASKS == tuple(f.mask << f.shift for f in expected_fields)
    assert migration.LANGUAGE_MASKS == tuple(
        facets.facet_predicate("language", code, {}).mask  # type: ignore[union-attr]
        for code in facets.LANGUAGE_BITS
        if code != "other"
    ) + (1 << (facets.LANGUAGE.shift + facets.LANGUAGE_BITS.index("other")),)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")
def test_the_planner_knows_how_many_rows_a_filter_keeps() -> None:
    made = [offering(title=f"Kurssi {n}", mode="online" if n % 2 else "presential") for n in range(60)]
    index_offerings([o.pk for o in made])
    predicate = facets_predicate("mode", "online")
    with connection.cursor() as cur:
        cur.execute("ANALYZE search_document")
        cur.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM search_document WHERE {predicate}")
        estimate = cur.fetchone()[0][0]["Plan"]["Plan Rows"]
    assert 20 <= estimate <= 40  # 30 of 60; without the statistics the guess is 1


def facets_predicate(field: str, value: str) -> str:
    from battery_region.search import facets

    predicate = facets.facet_predicate(field, value, {})
    assert predicate is not None
    return predicate.sql.format(c="facet_code")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN indexes")
def test_the_full_text_indexes_merge_new_entries_early() -> None:
    """Searches read a GIN index's whole pending list: migration 0006 keeps it small (see there)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname IN ('search_document_tsv', 'search_match_tsv')"
        )
        options = dict(cur.fetchall())
    assert options == {
        "search_document_tsv": ["gin_pending_list_limit=256"],
        "search_match_tsv": ["gin_pending_list_limit=256"],
    }
