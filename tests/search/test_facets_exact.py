"""Facet counts are exact: they equal a brute-force count over the same filters (pure and through the index),
and the page ranked together with the counts is the page the ranking query alone gives."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from battery_region.catalogue.filters import FACET_FIELDS, CatalogueFilters
from battery_region.catalogue.models import Offering
from battery_region.search import facets
from battery_region.search.backends import get_backend
from battery_region.search.backends.base import Filters
from battery_region.search.indexing import index_offerings
from battery_region.search.query import AnyOf, Terms, Without, render_fts5, with_repeated
from battery_region.search.service import _page_texts, search_catalogue
from tests.factories import OrganisationFactory
from tests.search.factories import offering

COUNTRIES = ["FI", "SE", "NO", "XX", ""]
REGIONS = {"FI1D9": 3, "SE331": 4, "NO071": 9, "": 0}
CREDITS = ["ects", "fi_op", "se_hp", "hours", "other", ""]
MODES = ["presential", "online", "blended", "work_based", ""]
LANGUAGE_SETS = ["fi", "sv", "en", "fi,sv", "en,sv", "se", "de,fi", "ru", ""]


def _values(code: int) -> dict[str, list[str]]:
    """Brute force: each field's values for one code, decoded field by field (the slow, obvious way)."""
    regions = {value: code for value, code in REGIONS.items()}
    by_code = {code: value for value, code in regions.items() if code}
    values: dict[str, list[str]] = {}
    for name, field in facets.FIELDS.items():
        part = (code >> field.shift) & field.mask
        if field is facets.LANGUAGE:
            values[name] = [lang for index, lang in enumerate(facets.LANGUAGE_BITS) if part & (1 << index)]
        else:
            value = facets.decode_value(field, part, by_code.get)
            values[name] = [value] if value is not None else []
    return values


def _brute_force(
    rows: list[tuple[int, int]], predicates: list[facets.Predicate]
) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    total = sum(n for code, n in rows if all(p.test(code) for p in predicates))
    result: dict[str, list[tuple[str, int]]] = {}
    for name in facets.FIELDS:
        counts: Counter[str] = Counter()
        for code, n in rows:
            if all(p.test(code) for p in predicates if p.field != name):
                for value in _values(code)[name]:
                    counts[value] += n
        result[name] = sorted(((v, n) for v, n in counts.items() if n), key=lambda item: (-item[1], item[0]))
    return total, result


def _random_code(rnd: random.Random) -> int:
    return facets.pack(
        country=rnd.choice(COUNTRIES),
        region_code=rnd.choice(list(REGIONS.values())),
        eqf_level=rnd.choice([None, 3, 4, 5, 6, 7]),
        credits_system=rnd.choice(CREDITS),
        teaching_languages=rnd.choice(LANGUAGE_SETS),
        mode=rnd.choice(MODES),
        open_for_exchange=rnd.random() < 0.3,
    )


def _random_predicates(rnd: random.Random) -> list[facets.Predicate]:
    candidates: list[tuple[str, object]] = [
        ("country", rnd.choice(["FI", "SE", "NO", "DE"])),
        ("region", rnd.choice(["FI1D9", "SE331", "unknown"])),
        ("eqf_level", rnd.choice([4, 5, 9])),
        ("credits_system", rnd.choice(["ects", "fi_op", "nonsense"])),
        ("language", rnd.choice(["fi", "sv", "en"])),
        ("mode", rnd.choice(["online", "blended"])),
        ("open_for_exchange", rnd.choice([True, False])),
    ]
    chosen = rnd.sample(candidates, rnd.randint(0, 4))
    predicates = [facets.facet_predicate(name, value, REGIONS) for name, value in chosen]
    return [p for p in predicates if p is not None]


def test_count_facets_equals_a_brute_force_count() -> None:
    rnd = random.Random(20240611)
    for _round in range(300):
        rows = [(_random_code(rnd), rnd.randint(1, 5)) for _ in range(rnd.randint(0, 60))]
        rows += rows[: rnd.randint(0, 5)]  # a code may repeat (browse counts one row per start tier)
        predicates = _random_predicates(rnd)
        by_code = {code: value for value, code in REGIONS.items() if code}
        assert facets.count_facets(rows, predicates, by_code.get) == _brute_force(rows, predicates)


def test_a_long_code_list_counts_what_its_distinct_codes_do() -> None:
    """A per-match list longer than `DISTINCT_FIRST` is reduced to distinct codes before counting: the same
    total and facets as the (code, count) rows of the same matches."""
    rnd = random.Random(20261129)
    pool = [_random_code(rnd) for _ in range(300)]
    for size in (facets.DISTINCT_FIRST - 1, facets.DISTINCT_FIRST + 1, 3 * facets.DISTINCT_FIRST):
        matches = [rnd.choice(pool) for _ in range(size)]
        rows = list(Counter(matches).items())
        predicates = _random_predicates(rnd)
        table = facets.parse_code_list(",".join(map(str, matches)), 1)
        counted = facets.count_codes(table, predicates)
        assert counted.matched == size
        assert (counted.total, facets.decode_facets(counted.per_field, {}.get)) == facets.count_facets(
            rows, predicates, {}.get
        )


@pytest.mark.django_db
@pytest.mark.parametrize("width", [1, 2, 4])
def test_a_code_list_read_from_the_engine_counts_what_count_facets_does(width: int) -> None:
    """The engine's code list (one code per match, or codes with counts and browse tiers), aggregated by the
    database in use and read back by `read_statement`, counts what the plain Python `count_facets` does."""
    from battery_region.search.backends import get_backend
    from battery_region.search.backends.base import code_list, facet_statement, read_statement

    columns = ["code", "n", "t0", "t1"][:width]
    rnd = random.Random(20261128 + width)
    concat = get_backend().code_concat
    for _round in range(40):
        rows = [(_random_code(rnd), rnd.randint(1, 5) if width > 1 else 1) for _ in range(rnd.randint(0, 60))]
        tiers = [(rnd.randint(0, n), 0) for _code, n in rows]
        tiers = [(t0, rnd.randint(0, n - t0)) for (t0, _), (_code, n) in zip(tiers, rows, strict=True)]
        predicates = _random_predicates(rnd)
        values = ", ".join(f"({code}, {n}, {t0}, {t1})" for (code, n), (t0, t1) in zip(rows, tiers, strict=True))
        source = f"VALUES {values}" if rows else "SELECT 0, 0, 0, 0 WHERE 1 = 0"
        sql = facet_statement(
            [f"s(code, n, t0, t1) AS ({source})"], f"SELECT {code_list(columns, concat)} FROM s", width
        )
        with connection.cursor() as cur:
            cur.execute(sql)
            read = read_statement(cur.fetchall(), Filters(tuple(predicates)))
        assert (read.counted.total, read.counted.facets) == facets.count_facets(rows, predicates, {}.get)
        assert read.matched == sum(n for _code, n in rows)
        if width == 4:
            passing = [i for i, (code, _n) in enumerate(rows) if all(p.test(code) for p in predicates)]
            t0 = sum(tiers[i][0] for i in passing)
            t1 = sum(tiers[i][1] for i in passing)
            assert read.counted.tiers == (t0, t1, read.counted.total - t0 - t1)


def test_predicate_sql_and_python_agree() -> None:
    rnd = random.Random(7)
    for _round in range(200):
        code = _random_code(rnd)
        for predicate in _random_predicates(rnd):
            as_python = eval(predicate.sql.format(c=str(code)).replace("=", "=="))  # noqa: S307
            assert as_python is predicate.test(code)


def test_repeating_the_typed_words_keeps_the_match_set() -> None:
    full = AnyOf((Terms(("akkukenno",)), Terms(("battericell",))))
    original = Terms(("akkukenno",))
    assert render_fts5(with_repeated(full, original, 1)) == '(("akkukenno" OR "battericell") OR "akkukenno")'
    rest = Without(AnyOf((Terms(("a",)), Terms(("b",)))), Terms(("c",)))
    assert with_repeated(rest, Terms(("a",)), 2) == Without(
        AnyOf((rest.include, Terms(("a",)), Terms(("a",)))), rest.exclude
    )


# --- Through the index, on the database in use ----------------------------------------------------------


def _facet_values(o: Offering) -> dict[str, list[str]]:
    languages = [code.strip().lower() for code in o.teaching_languages.split(",") if code.strip()]
    return {
        "country": [o.country] if o.country in {"FI", "SE", "NO", "XX"} else [],
        "region": [o.region] if o.region else [],
        "eqf_level": [str(o.programme.eqf_level)] if o.programme.eqf_level else [],
        "credits_system": [o.programme.credits_system] if o.programme.credits_system in facets.CREDITS.codes else [],
        "language": sorted({code if code in facets.LANGUAGE_BITS else "other" for code in languages}),
        "mode": [o.mode] if o.mode in facets.MODE.codes else [],
        "open_for_exchange": ["true" if o.open_for_exchange else "false"],
    }


def _passes(o: Offering, filters: dict[str, Any], excluding: str | None = None) -> bool:
    values = _facet_values(o)
    for name, wanted in filters.items():
        if name == excluding:
            continue
        wanted_text = (
            {True: "true", False: "false"}.get(wanted, str(wanted)) if name == "open_for_exchange" else str(wanted)
        )
        if wanted_text not in values[name]:
            return False
    return True


@pytest.fixture
def catalogue(glossary_loaded: None) -> list[Offering]:
    rnd = random.Random(5)
    providers = [
        OrganisationFactory(country="FI", region="FI1D9"),
        OrganisationFactory(country="SE", region="SE331"),
        OrganisationFactory(country="NO", region="NO071"),
        OrganisationFactory(country="FI", region="FI1B1"),
    ]
    made = []
    for n in range(36):
        made.append(
            offering(
                title=f"Koulutus {n}",
                description="Koulutus antaa valmiudet akkutehtaan työhön." if n % 3 else "Kurssi hitsauksesta.",
                provider=rnd.choice(providers),
                mode=rnd.choice(MODES),
                teaching_languages=rnd.choice(["fi", "sv", "en", "fi,sv", "en,sv", "de"]),
                open_for_exchange=rnd.random() < 0.4,
                programme_kwargs={
                    "eqf_level": rnd.choice([None, 4, 5, 6]),
                    "credits_system": rnd.choice(["ects", "fi_op", "se_hp", ""]),
                },
            )
        )
    index_offerings([o.pk for o in made])
    return list(Offering.objects.filter(pk__in=[o.pk for o in made]).select_related("programme"))


def _estimate_everything_as(monkeypatch: pytest.MonkeyPatch, matches: float) -> None:
    """On PostgreSQL, make the planner-statistics estimate of every query `matches` (SQLite has none)."""
    statistics = getattr(get_backend(), "statistics", None)
    if statistics is not None:
        monkeypatch.setattr(statistics, "estimate", lambda expr: matches)


@pytest.fixture(params=["broad_by_statistics", "ranking_first"])
def strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """On PostgreSQL, run the search both ways: only count the match set (broad by the planner's statistics)
    and rank it separately, or count and rank it in one read (statistics a test database does not have:
    set here)."""
    _estimate_everything_as(monkeypatch, 1e12 if request.param == "broad_by_statistics" else 0.0)
    return str(request.param)


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["", "koulutus", "kurssi"])
@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"country": "FI"},
        {"country": "SE", "mode": "online"},
        {"language": "sv", "open_for_exchange": True},
        {"region": "FI1D9", "eqf_level": 5},
        {"credits_system": "ects", "language": "en", "country": "NO"},
        {"region": "nowhere"},
        {"language": "de", "country": "FI"},  # a language outside the packed set: a condition on the table
    ],
)
def test_search_facets_equal_a_brute_force_count(
    catalogue: list[Offering], strategy: str, q: str, filters: dict[str, Any]
) -> None:
    matched = {
        hit.offering_id
        for hit in search_catalogue(q=q, language="fi", filters=CatalogueFilters(), page_size=1000).items
    }
    assert matched  # the query finds something, so the counts below are not trivially empty
    in_set = [o for o in catalogue if o.pk in matched]
    page = search_catalogue(q=q, language="fi", filters=CatalogueFilters(**filters), page_size=1000)
    assert page.total == sum(_passes(o, filters) for o in in_set)
    assert {hit.offering_id for hit in page.items} == {o.pk for o in in_set if _passes(o, filters)}
    for name in FACET_FIELDS:
        counts: Counter[str] = Counter()
        for o in in_set:
            if _passes(o, filters, excluding=name):
                counts.update(_facet_values(o)[name])
        expected = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        assert page.facets[name] == expected, name


@pytest.mark.django_db
def test_the_page_ranked_with_the_counts_is_the_ranking_page(catalogue: list[Offering], strategy: str) -> None:
    from battery_region.search import glossary
    from battery_region.search.query import build_plan

    backend = get_backend()
    plan = build_plan("akkutehdas koulutus", glossary.get_index())
    full, original = plan.full(), plan.original()
    assert full is not None
    filters = Filters(predicates=(facets.facet_predicate("country", "FI", {}),))  # type: ignore[arg-type]
    for offset, limit in [(0, 5), (5, 5), (3, 50)]:
        found = backend.search(full, original, filters, offset=offset, limit=limit, original_boost=1.0)
        ranked = backend.rank(full, original, filters, offset=offset, limit=limit, original_boost=1.0)
        with_texts = backend.rank(
            full,
            original,
            filters,
            offset=offset,
            limit=limit,
            original_boost=1.0,
            texts=_page_texts(("fi", "sv", "en")),
        )
        assert [(hit.offering_id, hit.score) for hit in with_texts] == [(hit.offering_id, hit.score) for hit in ranked]
        assert all(hit.texts is not None and len(hit.texts) == 15 for hit in with_texts)
        assert found.counted.total == backend.count(full, filters, None).total  # type: ignore[arg-type]
        if strategy == "broad_by_statistics" and backend.vendor == "postgresql":
            assert found.page is None  # only counted: the caller ranks (the page is `ranked`)
            continue
        assert found.page is not None
        assert [(hit.offering_id, round(hit.score, 9)) for hit in found.page] == [
            (hit.offering_id, round(hit.score, 9)) for hit in ranked
        ]


@pytest.mark.django_db
def test_a_wrong_estimate_still_counts_everything(catalogue: list[Offering], monkeypatch: pytest.MonkeyPatch) -> None:
    """Ranking while reading stops after `broad_limit` matches; a broad match set is then counted first."""
    backend = get_backend()
    _estimate_everything_as(monkeypatch, 0.0)
    monkeypatch.setattr(backend, "broad_limit", 5)
    monkeypatch.setattr(backend, "broad_pool", 3)
    page = search_catalogue(q="koulutus", language="fi", filters=CatalogueFilters(), page_size=4)
    assert page.total == len(catalogue)
    assert sum(n for _value, n in page.facets["open_for_exchange"]) == len(catalogue)
    assert len(page.items) == 4


@pytest.mark.django_db
@pytest.mark.parametrize("filters", [{}, {"country": "FI"}, {"country": "SE", "mode": "online"}])
def test_a_window_chosen_with_the_counts_is_the_newest_window(
    catalogue: list[Offering], monkeypatch: pytest.MonkeyPatch, filters: dict[str, str]
) -> None:
    """An engine that picks the newest window of a broad match set in the counting statement picks the
    window `newest_window` gives, and ranks its page as `rank` does over that window."""
    from battery_region.search import glossary
    from battery_region.search.backends.base import IdRange
    from battery_region.search.query import build_plan

    backend = get_backend()
    _estimate_everything_as(monkeypatch, 1e12)
    monkeypatch.setattr(backend, "broad_limit", 3)
    monkeypatch.setattr(backend, "broad_pool", 4)
    plan = build_plan("koulutus", glossary.get_index())
    full, original = plan.full(), plan.original()
    assert full is not None
    spec = Filters(
        predicates=tuple(facets.facet_predicate(name, value, {}) for name, value in filters.items())  # type: ignore[misc]
    )
    windows = 0
    for offset, limit in [(0, 2), (2, 3), (1, 50)]:
        found = backend.search(full, original, spec, offset=offset, limit=limit, original_boost=1.0)
        assert found.counted.total == backend.count(full, spec, None).total  # type: ignore[arg-type]
        if not found.window_known:
            if found.counted.total > backend.broad_limit:
                assert found.page is None  # the caller chooses the window and ranks it
            continue
        assert found.window == backend.newest_window(full, spec, found.counted.total)
        if found.window is None:
            assert found.page is None
            continue
        windows += 1
        ranked = backend.rank(
            full, original, spec, offset=offset, limit=limit, original_boost=1.0, ids=IdRange(low=found.window[0])
        )
        assert found.page is not None
        # (ts_rank is single precision: the statements may pass it on as real or as double precision)
        assert [(hit.offering_id, round(hit.score, 6)) for hit in found.page] == [
            (hit.offering_id, round(hit.score, 6)) for hit in ranked
        ]
    if backend.vendor == "postgresql" and not filters:
        assert windows  # the statement did choose a window here


@pytest.mark.django_db
@pytest.mark.parametrize("filters", [{}, {"country": "FI", "mode": "online"}, {"language": "de"}])
def test_prepared_statements_give_what_plain_ones_give(
    catalogue: list[Offering], strategy: str, settings: Any, filters: dict[str, Any]
) -> None:
    """On PostgreSQL the match statements run prepared; after five runs PostgreSQL may switch to a generic
    plan, so each search runs more often than that, with a broad-set window and deeper pages too."""
    backend = get_backend()

    def pages() -> list[Any]:
        found = []
        for q, page in [("koulutus", 1), ("koulutus", 3), ("kurssi hitsaus", 1), ("akkutehdas", 2)]:
            result = search_catalogue(q=q, language="fi", filters=CatalogueFilters(**filters), page=page, page_size=4)
            found.append((result.total, result.facets, [(hit.offering_id, hit.score) for hit in result.items]))
        return found

    settings.SEARCH_PREPARED_STATEMENTS = False
    expected = pages()
    settings.SEARCH_PREPARED_STATEMENTS = True
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(backend, "broad_limit", 5)
        patch.setattr(backend, "broad_pool", 3)
        settings.SEARCH_PREPARED_STATEMENTS = False
        expected_broad = pages()
        settings.SEARCH_PREPARED_STATEMENTS = True
        for _run in range(7):
            assert pages() == expected_broad
    for _run in range(7):
        assert pages() == expected
    assert any(total for total, _facets, _hits in expected)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM pg_prepared_statements WHERE generic_plans > 0")
            assert cur.fetchone()[0] > 0  # the generic plans did run
