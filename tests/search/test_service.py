"""search_catalogue: cross-lingual matching, ranking, facets, filters, browsing, did-you-mean, snippets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from battery_region.catalogue.filters import FACET_FIELDS, CatalogueFilters
from battery_region.catalogue.models import Offering
from battery_region.search.indexing import index_offerings
from battery_region.search.service import SearchPage, UnknownLanguage, search_catalogue
from tests.factories import OrganisationFactory
from tests.search.conftest import needs_swedish_dictionary, needs_voikko
from tests.search.factories import offering

pytestmark = pytest.mark.django_db


def search(q: str = "", language: str = "fi", **kwargs: Any) -> SearchPage:
    page = kwargs.pop("page", 1)
    page_size = kwargs.pop("page_size", 20)
    return search_catalogue(q=q, language=language, filters=CatalogueFilters(**kwargs), page=page, page_size=page_size)


def ids(page: SearchPage) -> list[int]:
    return [hit.offering_id for hit in page.items]


@pytest.fixture
def corpus(glossary_loaded: None) -> dict[str, Offering]:
    fi_org = OrganisationFactory(name_fi="Oulun ammattiopisto", country="FI", region="FI1D9")
    se_org = OrganisationFactory(
        name_sv="Skellefteå yrkeshögskola", name_fi="Skellefteån YH", country="SE", region="SE331"
    )
    made = {
        "fi_cells": offering(
            title="Akkukennojen valmistuksen koulutus",
            description="Koulutus antaa valmiudet akkukennojen valmistukseen: pinnoitus, kalanterointi ja formointi.",
            provider=fi_org,
            mode="presential",
            programme_kwargs={"eqf_level": 4, "credits_system": "fi_osp"},
        ),
        "sv_cells": offering(
            title="Battericellstillverkning",
            language="sv",
            description="Utbildningen ger kunskaper i tillverkning av battericeller i torrum och renrum.",
            provider=se_org,
            mode="presential",
            programme_kwargs={"eqf_level": 5, "credits_system": "se_yhp"},
        ),
        "en_cells": offering(
            title="Battery cell manufacturing",
            language="en",
            description="The programme covers electrode coating, calendering and cell formation.",
            provider=se_org,
            mode="online",
            teaching_languages="en,sv",
            open_for_exchange=True,
            programme_kwargs={"eqf_level": 5, "credits_system": "ects"},
        ),
        "sv_batteries": offering(
            title="Batteritillverkning för operatörer",
            language="sv",
            description="Kursen handlar om batteritillverkning och säkerhet i fabriken.",
            provider=se_org,
            mode="blended",
            programme_kwargs={"eqf_level": 4, "credits_system": "se_gyp"},
        ),
        "fi_recycling": offering(
            title="Akkujen kierrätys ja mustamassa",
            description="Koulutuksessa perehdytään akkujen kierrätykseen ja hydrometallurgiaan.",
            provider=fi_org,
            programme_kwargs={"eqf_level": 6, "credits_system": "fi_op"},
        ),
        "fi_nurse": offering(
            title="Sairaanhoitajakoulutus",
            description="Koulutus antaa valmiudet hoitotyöhön sairaalassa.",
            provider=fi_org,
            programme_kwargs={"eqf_level": 6, "credits_system": "fi_op"},
        ),
        "en_biology": offering(
            title="Cell biology",
            language="en",
            description="Introduction to the biology of the living cell.",
            provider=fi_org,
            programme_kwargs={"eqf_level": 6, "credits_system": "ects"},
        ),
        "sv_welding": offering(
            title="Svetsning",
            language="sv",
            description="Grundläggande svetsning för industrin.",
            provider=se_org,
        ),
    }
    index_offerings([o.pk for o in made.values()])
    return made


@needs_voikko
def test_finnish_query_finds_swedish_and_english_programmes(corpus: dict[str, Offering]) -> None:
    page = search("akkukennojen valmistus")
    found = ids(page)
    assert found[0] == corpus["fi_cells"].pk  # the same-language exact match ranks first
    assert {corpus["sv_cells"].pk, corpus["en_cells"].pk} <= set(found)
    assert corpus["fi_nurse"].pk not in found and corpus["en_biology"].pk not in found
    assert "battericellstillverkning" in page.expanded_terms


@needs_voikko
def test_swedish_query_finds_finnish_programmes(corpus: dict[str, Offering]) -> None:
    page = search("batteritillverkning", language="sv")
    found = ids(page)
    assert found[0] == corpus["sv_batteries"].pk
    assert corpus["fi_cells"].pk in found


@needs_voikko
def test_english_query_ranks_english_exact_match_first(corpus: dict[str, Offering]) -> None:
    found = ids(search("battery cell manufacturing", language="en"))
    assert found[0] == corpus["en_cells"].pk
    assert {corpus["fi_cells"].pk, corpus["sv_cells"].pk} <= set(found)
    battery = [found.index(corpus[key].pk) for key in ("en_cells", "fi_cells", "sv_cells")]
    # "cell" alone is not a battery cell: a partial match comes only after every complete match
    if corpus["en_biology"].pk in found:
        assert found.index(corpus["en_biology"].pk) > max(battery)


@needs_voikko
def test_inflected_query_meets_base_form(corpus: dict[str, Offering]) -> None:
    assert ids(search("akkujen kierrätyksen"))[0] == corpus["fi_recycling"].pk
    assert corpus["fi_cells"].pk in ids(search("kennojen"))  # compound part, lower weight


@needs_swedish_dictionary
def test_swedish_compound_part_matches(corpus: dict[str, Offering]) -> None:
    assert corpus["sv_cells"].pk in ids(search("battericell", language="sv"))


def test_facets_count_the_result_set(corpus: dict[str, Offering]) -> None:
    page = search("")
    assert page.total == len(corpus)
    assert set(page.facets) == set(FACET_FIELDS)
    assert dict(page.facets["country"]) == {"FI": 4, "SE": 4}
    assert dict(page.facets["region"]) == {"FI1D9": 4, "SE331": 4}
    assert dict(page.facets["language"])["en"] == 2
    assert dict(page.facets["language"])["sv"] == 4
    assert dict(page.facets["open_for_exchange"]) == {"true": 1, "false": 7}
    assert dict(page.facets["credits_system"])["ects"] == 2


def test_each_facet_applies_the_other_filters(corpus: dict[str, Offering]) -> None:
    page = search("", country="SE", eqf_level=5)
    assert page.total == 2
    # the country facet ignores the country filter but keeps eqf_level=5
    assert dict(page.facets["country"]) == {"SE": 2}
    # the eqf facet ignores eqf_level but keeps country=SE
    assert dict(page.facets["eqf_level"]) == {"5": 2, "4": 1}
    assert dict(page.facets["mode"]) == {"presential": 1, "online": 1}


@needs_voikko
def test_facets_with_a_query(corpus: dict[str, Offering]) -> None:
    page = search("akkukennojen valmistus", country="SE")
    assert set(ids(page)) == {corpus["sv_cells"].pk, corpus["en_cells"].pk}
    assert page.total == 2
    countries = dict(page.facets["country"])
    assert countries["SE"] == 2 and countries["FI"] >= 1


def test_filters(corpus: dict[str, Offering]) -> None:
    assert set(ids(search("", mode="online"))) == {corpus["en_cells"].pk}
    assert set(ids(search("", open_for_exchange=True))) == {corpus["en_cells"].pk}
    assert set(ids(search("", credits_system="se_yhp"))) == {corpus["sv_cells"].pk}
    assert len(ids(search("", page_size=50, country="FI"))) == 4
    provider = corpus["sv_welding"].provider_id
    assert len(ids(search("", provider=provider))) == 4
    assert ids(search("", region="XX999")) == []
    assert ids(search("", eqf_level=9)) == []


def test_teaching_language_filter(corpus: dict[str, Offering]) -> None:
    page = search_catalogue(q="", language="fi", filters=CatalogueFilters(language="en"))
    assert set(ids(page)) == {corpus["en_cells"].pk, corpus["en_biology"].pk}
    odd = offering(title="Akkutekniikka venäjäksi", teaching_languages="fi,ru")
    index_offerings([odd.pk])
    page = search_catalogue(q="", language="fi", filters=CatalogueFilters(language="ru"))
    assert ids(page) == [odd.pk]
    assert ("other", 1) in page.facets["language"]


def test_start_period_and_modified_since(corpus: dict[str, Offering]) -> None:
    o = offering(title="Kevään akkukurssi", start_year=2031, start_season="spring")
    index_offerings([o.pk])
    assert ids(search("", start_period="2031")) == [o.pk]
    assert ids(search("", start_period="2031-spring")) == [o.pk]
    assert ids(search("", start_period="2031-autumn")) == []
    assert ids(search("", start_period="nonsense")) == []
    future = timezone.now() + dt.timedelta(days=1)
    assert ids(search("", modified_since=future)) == []
    assert len(ids(search("", modified_since=timezone.now() - dt.timedelta(days=1), page_size=50))) == 9


def test_empty_query_lists_upcoming_first(corpus: dict[str, Offering]) -> None:
    today = timezone.localdate()
    past = offering(title="Mennyt", start_date=today - dt.timedelta(days=30))
    undated = offering(title="Jatkuva haku", start_date=None, start_precision="continuous")
    soon = offering(title="Pian alkava", start_date=today + dt.timedelta(days=2))
    index_offerings([past.pk, undated.pk, soon.pk])
    found = ids(search("", page_size=50))
    assert found[0] == soon.pk
    assert found[-1] == past.pk
    assert found.index(undated.pk) == len(found) - 2
    # pages split across the start groups consistently
    first = ids(search("", page=1, page_size=5))
    second = ids(search("", page=2, page_size=5))
    third = ids(search("", page=3, page_size=5))
    assert first + second + third == found


@needs_voikko
def test_pagination_of_ranked_results(corpus: dict[str, Offering]) -> None:
    all_ids = ids(search("koulutus", page_size=50))
    assert len(all_ids) >= 3
    paged = [i for n in range(1, len(all_ids) + 1) for i in ids(search("koulutus", page=n, page_size=1))]
    assert paged == all_ids
    assert search("koulutus", page=99).items == []


@needs_voikko
def test_did_you_mean(corpus: dict[str, Offering]) -> None:
    page = search("akkukenon valmistus")
    assert page.did_you_mean is not None
    assert "valmistus" in page.did_you_mean
    assert corpus["fi_cells"].pk in ids(page)
    page = search("sairanhoitaja")
    assert page.did_you_mean == "sairaanhoitaja"
    assert ids(page) == [corpus["fi_nurse"].pk]
    assert search("akkukennojen valmistus").did_you_mean is None


def test_did_you_mean_for_english(corpus: dict[str, Offering]) -> None:
    page = search("callendering", language="en")
    assert page.did_you_mean == "calendering"
    assert corpus["en_cells"].pk in ids(page)


def test_or_fallback_when_and_finds_nothing(corpus: dict[str, Offering]) -> None:
    found = ids(search("svetsning xylofon"))
    assert found == [corpus["sv_welding"].pk]


def test_partial_matches_page_like_one_long_list(glossary_loaded: None) -> None:
    """When no document has every word, the partial matches are counted and ranked together; their pages
    follow the order of one long list."""
    made = [
        offering(title=f"Svetsning kurs {n}", description="Svetsning och montering." * (n % 3 + 1)) for n in range(7)
    ]
    index_offerings([o.pk for o in made])
    whole = search("svetsning xylofon", page_size=100)
    assert whole.total == 7 and len(whole.items) == 7
    paged = [hit.offering_id for n in range(1, 5) for hit in search("svetsning xylofon", page=n, page_size=2).items]
    assert paged == ids(whole)


@needs_voikko
def test_snippets_are_escaped_and_marked(glossary_loaded: None) -> None:
    o = offering(
        title="Akkukennot",
        description='<script>alert("x")</script> Opi akkukennojen valmistus & testaus.',
    )
    index_offerings([o.pk])
    snippet = search("akkukenno").items[0].snippet
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "<mark>akkukennojen</mark>" in snippet
    assert "&amp;" in snippet


@needs_voikko
def test_snippet_prefers_the_interface_language(glossary_loaded: None) -> None:
    o = offering(
        title="Akkukennojen valmistus",
        description="Suomenkielinen kuvaus akkukennoista.",
        programme_kwargs={"description_en": "English description of battery cells."},
    )
    index_offerings([o.pk])
    assert "English" in search("akkukenno", language="en").items[0].snippet
    assert "Suomenkielinen" in search("akkukenno", language="fi").items[0].snippet


def test_unknown_language_raises(corpus: dict[str, Offering]) -> None:
    with pytest.raises(UnknownLanguage):
        search("akku", language="de")
    with pytest.raises(ValueError):
        search("akku", language="")


def test_scores_and_page_shape(corpus: dict[str, Offering]) -> None:
    page = search("svetsning", language="sv")
    assert page.total == 1
    hit = page.items[0]
    assert hit.score >= 0 and isinstance(hit.snippet, str)
    assert page.did_you_mean is None


def test_broad_queries_rank_only_the_newest_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    from battery_region.search.backends import get_backend

    backend = get_backend()
    made = [offering(title=f"Koulutus numero {n}", description="Koulutus antaa valmiudet.") for n in range(8)]
    index_offerings([o.pk for o in made])
    monkeypatch.setattr(backend, "broad_limit", 2)
    monkeypatch.setattr(backend, "broad_pool", 3)
    newest = {o.pk for o in made[-4:]}  # the pool is approximate on PostgreSQL (a scan of the newest rows)
    page = search("koulutus", page_size=2)
    assert page.total == 8
    assert {hit.offering_id for hit in page.items} <= newest
    filtered = search("koulutus", page_size=2, country="FI")
    assert filtered.total == 8 and {hit.offering_id for hit in filtered.items} <= newest
    everything = [hit.offering_id for n in range(1, 5) for hit in search("koulutus", page=n, page_size=2).items]
    assert len(everything) == 8  # deep pages rank the whole match set
