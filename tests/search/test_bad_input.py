"""Odd input never reaches the engine as syntax and never raises an engine error (run on both backends)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from battery_region.catalogue.filters import CatalogueFilters
from battery_region.catalogue.models import Offering
from battery_region.search.indexing import index_offerings
from battery_region.search.service import SearchPage, UnknownLanguage, search_catalogue
from tests.search.factories import offering

pytestmark = pytest.mark.django_db

BAD_QUERIES = [
    "",
    "   ",
    "ja ja ja och the of",  # only stop words
    "akku " * 2000,  # 10,000 characters
    "a" * 10_000,
    '"akku',
    'akku"',
    '""',
    "akku*",
    "*",
    "NEAR(akku kenno, 2)",
    "NEAR",
    "akku NOT kenno",
    "akku AND OR NOT",
    "t:akku",
    "{t b}: akku",
    ":",
    "-akku",
    "- - -",
    "(akku",
    "akku)",
    "((((",
    "^akku",
    "akku + kenno",
    "'; DROP TABLE search_document; --",
    "1=1 OR 'a'='a'",
    "akku' || '",
    "%_%",
    "\\",
    "\x00akku",
    "🔋🔋🔋",
    "akku 🔋 kenno",
    "аккумулятор батарея",  # Cyrillic
    "电池 akku",  # mixed scripts
    "ＡＫＫＵ",  # full-width
    "İstanbul",
    "ß",
    "\u202eakku\u202c",  # bidi control characters
    "a b c d e f g h i j k l m n o p q r s t u v w x y z " * 10,
]


@pytest.fixture
def indexed() -> Offering:
    o = offering(title="Akkukennojen valmistus", description="Akku ja kenno: koulutus.")
    index_offerings([o.pk])
    return o


@pytest.mark.parametrize("q", BAD_QUERIES)
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_bad_query_gives_a_sensible_page(indexed: Offering, q: str, language: str) -> None:
    page = search_catalogue(q=q, language=language, filters=CatalogueFilters())
    assert isinstance(page, SearchPage)
    assert page.total >= 0
    assert len(page.items) <= page.total
    for hit in page.items:
        assert "<script" not in hit.snippet


def test_stop_words_only_lists_everything(indexed: Offering) -> None:
    page = search_catalogue(q="ja och the", language="fi", filters=CatalogueFilters())
    assert [hit.offering_id for hit in page.items] == [indexed.pk]


def test_long_query_still_finds(indexed: Offering) -> None:
    q = "akkukennojen valmistus " + "x" * 9_000
    page = search_catalogue(q=q, language="fi", filters=CatalogueFilters())
    assert [hit.offering_id for hit in page.items] == [indexed.pk]


def test_syntax_characters_are_plain_words(indexed: Offering) -> None:
    for q in ('"akku"', "akku*", "(akku)", "-akku", "akku:", "NEAR akku"):
        page = search_catalogue(q=q, language="fi", filters=CatalogueFilters())
        assert [hit.offering_id for hit in page.items] == [indexed.pk], q


@pytest.mark.parametrize("language", ["de", "xx", "", "english", "fi_", "../fi"])
def test_unknown_language_code(indexed: Offering, language: str) -> None:
    with pytest.raises(UnknownLanguage):
        search_catalogue(q="akku", language=language, filters=CatalogueFilters())


@pytest.mark.parametrize(("page", "page_size"), [(0, 20), (-5, 20), (1, 0), (1, -1), (10**9, 20), (1, 10**9)])
def test_out_of_range_paging(indexed: Offering, page: int, page_size: int) -> None:
    result = search_catalogue(q="akku", language="fi", filters=CatalogueFilters(), page=page, page_size=page_size)
    assert result.total == 1


def test_odd_filter_values(indexed: Offering) -> None:
    for filters in (
        CatalogueFilters(country="ZZ"),
        CatalogueFilters(region="'; --"),
        CatalogueFilters(credits_system="bogus"),
        CatalogueFilters(language="%"),
        CatalogueFilters(mode="x" * 500),
        CatalogueFilters(start_period="20xx"),
        CatalogueFilters(eqf_level=-3),
        CatalogueFilters(provider=-1),
    ):
        page = search_catalogue(q="akku", language="fi", filters=filters)
        assert page.total == 0, filters


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=200))
def test_fuzzed_queries_never_raise(indexed: Offering, q: str) -> None:
    page = search_catalogue(q=q, language="fi", filters=CatalogueFilters())
    assert page.total >= 0
