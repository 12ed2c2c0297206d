"""Query planning and rendering (pure), facet code packing, spelling distance."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from battery_region.search import facets
from battery_region.search.glossary import GlossaryIndex
from battery_region.search.query import (
    MAX_WORDS,
    All,
    AnyOf,
    Expr,
    Terms,
    Without,
    build_plan,
    matching_form,
    query_words,
    render_fts5,
    render_tsquery,
    tokens_of,
)
from battery_region.search.spelling import edit_distance, ranked_suggestions, suggest
from tests.search.conftest import needs_swedish_dictionary, needs_voikko

GLOSSARY = GlossaryIndex(
    {
        "cell-manufacturing": [
            ("fi", "akkukennojen valmistus"),
            ("sv", "battericellstillverkning"),
            ("en", "battery cell manufacturing"),
            ("fi", "kennovalmistus"),
        ],
        "recycling": [("fi", "kierrätys"), ("sv", "återvinning"), ("en", "recycling")],
    }
)


def test_rendering_quotes_every_token() -> None:
    expr = All((Terms(("akkukenno", "akkukennoj")), AnyOf((Terms(("valmistus",)), Terms(("tillverkning",))))))
    assert render_fts5(expr) == '(("akkukenno" OR "akkukennoj") AND ("valmistus" OR "tillverkning"))'
    assert render_tsquery(expr) == "(('akkukenno' | 'akkukennoj') & ('valmistus' | 'tillverkning'))"


@pytest.mark.parametrize(
    "q",
    ['"akku', "akku*", "NEAR(akku kenno)", "t: akku", "-akku", "(akku", "akku OR", "'; DROP TABLE x; --", "a\\b"],
)
def test_engine_syntax_in_the_query_is_inert(q: str) -> None:
    plan = build_plan(q, GLOSSARY)
    for expr in (plan.full(), plan.any_word()):
        if expr is None:
            continue
        for token in tokens_of(expr):
            assert token.isalnum(), token
        fts = render_fts5(expr)
        assert fts.count('"') % 2 == 0


def _matches(expr: Expr, document: frozenset[str]) -> bool:
    if isinstance(expr, Terms):
        return not document.isdisjoint(expr.tokens)
    if isinstance(expr, Without):
        return _matches(expr.include, document) and not _matches(expr.exclude, document)
    if isinstance(expr, All):
        return all(_matches(child, document) for child in expr.children)
    return any(_matches(child, document) for child in expr.children)


_TOKENS = ("a", "b", "c", "d")
_EXPRESSIONS = st.recursive(
    st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=3, unique=True).map(lambda tokens: Terms(tuple(tokens))),
    lambda children: st.one_of(
        st.lists(children, min_size=2, max_size=4).map(lambda items: All(tuple(items))),
        st.lists(children, min_size=2, max_size=4).map(lambda items: AnyOf(tuple(items))),
        st.tuples(children, children).map(lambda pair: Without(*pair)),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(expr=_EXPRESSIONS)
def test_the_matching_form_matches_the_same_documents(expr: Expr) -> None:
    simpler = matching_form(expr)
    assert len(render_fts5(simpler)) <= len(render_fts5(expr))
    for size in range(len(_TOKENS) + 1):
        for document in itertools.combinations(_TOKENS, size):
            assert _matches(simpler, frozenset(document)) == _matches(expr, frozenset(document)), document


def test_the_matching_form_drops_alternatives_another_one_covers() -> None:
    # hitsaus → … OR weld OR (weld AND technolog): the longer glossary term adds nothing to the match set.
    weld = Terms(("weld",))
    full = AnyOf((Terms(("hitsaus",)), weld, All((weld, Terms(("technolog",)))), Terms(("svets", "svetsning"))))
    assert matching_form(full) == AnyOf((Terms(("hitsaus",)), weld, Terms(("svets", "svetsning"))))
    assert matching_form(All((weld, AnyOf((weld, Terms(("x",))))))) == weld
    assert matching_form(AnyOf((Terms(("a",)), Terms(("a", "b"))))) == Terms(("a", "b"))


def test_query_words_are_bounded_and_stop_words_go() -> None:
    assert query_words("the akku and the kenno") == ["akku", "kenno"]
    assert query_words("ja och the") == []
    assert len(query_words("sana " * 5000)) == 1  # repeated word counted once
    assert len(query_words(" ".join(f"w{i}x" for i in range(500)))) == MAX_WORDS
    assert query_words("x" * 10_000) == []  # one absurdly long "word" is dropped
    assert query_words("🔋 akku 🚗") == ["akku"]


@needs_voikko
def test_glossary_span_expands_into_other_languages() -> None:
    plan = build_plan("akkukennojen valmistus", GLOSSARY)
    assert plan.concepts == ("cell-manufacturing",)
    assert set(plan.expanded_terms) == {"battericellstillverkning", "battery cell manufacturing", "kennovalmistus"}
    assert len(plan.slots) == 1
    full_tokens = tokens_of(plan.full())
    assert {"akkukenno", "valmistus", "battericellstillverkning", "manufactur"} <= full_tokens
    assert "battericellstillverkning" not in tokens_of(plan.original())


@needs_swedish_dictionary
def test_swedish_query_expands_to_finnish() -> None:
    plan = build_plan("återvinning av batterier", GLOSSARY)
    assert "kierrätys" in plan.expanded_terms
    assert "kierrätys" in tokens_of(plan.full())


def test_words_outside_the_glossary_keep_their_own_slot() -> None:
    plan = build_plan("kierrätys Skellefteå", GLOSSARY)
    assert len(plan.slots) == 2
    assert isinstance(plan.full(), All)


@needs_voikko
def test_compound_split_fallback() -> None:
    plan = build_plan("akkukennotehdas", None)
    assert plan.has_compounds
    split_tokens = tokens_of(plan.split())
    assert {"akku", "kenno", "tehdas"} <= split_tokens


def test_facet_code_round_trip() -> None:
    code = facets.pack(
        country="SE",
        region_code=17,
        eqf_level=5,
        credits_system="se_yhp",
        teaching_languages="sv,en",
        mode="online",
        open_for_exchange=True,
    )
    assert (code >> facets.REGION.shift) & facets.REGION.mask == 17
    assert facets.decode_value(facets.COUNTRY, (code >> facets.COUNTRY.shift) & 7, lambda c: None) == "SE"
    assert facets.decode_value(facets.EQF, (code >> facets.EQF.shift) & 15, lambda c: None) == "5"
    assert (code >> facets.LANGUAGE.shift) & facets.LANGUAGE.mask == 0b110
    rowid = facets.fts_rowid(123, code)
    assert facets.offering_id_from_rowid(rowid) == 123 and rowid & facets.CODE_MASK == code
    with pytest.raises(ValueError):
        facets.fts_rowid(facets.MAX_OFFERING_ID + 1, code)


def test_facet_predicates_are_bit_tests() -> None:
    code = facets.pack(
        country="FI",
        region_code=3,
        eqf_level=None,
        credits_system="",
        teaching_languages="fi",
        mode="",
        open_for_exchange=False,
    )
    for field, value, expected in [
        ("country", "FI", True),
        ("country", "SE", False),
        ("region", "FI1D9", True),
        ("region", "SE331", False),
        ("language", "fi", True),
        ("language", "en", False),
        ("open_for_exchange", False, True),
        ("eqf_level", 5, False),
        ("eqf_level", "bogus", False),
        ("credits_system", "nonsense", False),
    ]:
        predicate = facets.facet_predicate(field, value, {"FI1D9": 3, "SE331": 4})
        assert predicate is not None
        assert (
            eval(predicate.sql.format(c=str(code)).replace("<>", "!=").replace("=", "==").replace("!==", "!="))
            is expected
        )  # noqa: S307
    assert facets.facet_predicate("language", "ru", {}) is None  # handled by a side filter


def test_edit_distance_and_suggestions() -> None:
    assert edit_distance("akkukenon", "akkukennon", 2) == 1
    assert edit_distance("recyling", "recycling", 2) == 1
    assert edit_distance("abcd", "bacd", 2) == 1  # a swap is one edit
    assert edit_distance("akku", "kierrätys", 2) == 3
    assert suggest("recyling", ["recycling", "cycling", "recycle"]) == "recycling"
    assert suggest("xyz", ["recycling"]) is None
    assert ranked_suggestions("kenno", ["kennot", "kenno", "penno"])[0] == "kennot"


@settings(max_examples=200, deadline=None)
@given(q=st.text(max_size=400))
def test_any_text_plans_to_safe_expressions(q: str) -> None:
    plan = build_plan(q, GLOSSARY)
    for expr in (plan.full(), plan.split(), plan.any_word(), plan.original()):
        if expr is not None:
            assert all(token and token.isalnum() for token in tokens_of(expr))
            render_fts5(expr)
            render_tsquery(expr)
