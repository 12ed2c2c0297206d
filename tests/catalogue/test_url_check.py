"""The import's URL check: its one-regex fast path never accepts what the full check refuses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from battery_region.catalogue.importers import validation


def _full_check(value: str) -> bool:
    return validation._valid_url_full(value)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("https://opintopolku.fi/konfo/fi/toteutus/1.2.246.562.17.00000000000000001", True),
        ("http://www.osao.fi:8080/hae?kieli=fi#alku", True),
        ("HTTPS://Example.ORG", True),
        ("https://localhost/", False),
        ("ftp://example.org/", False),
        ("https://exa mple.org/", False),
        ("https://example.org/a b", False),
        ("javascript:alert(1)", False),
        ("//example.org/", False),
        ("", False),
    ],
)
def test_url_check(value: str, valid: bool) -> None:
    validation._valid_url.cache_clear()
    assert validation._valid_url(value) is valid
    assert _full_check(value) is valid


@settings(max_examples=300, deadline=None)
@given(st.from_regex(validation._PLAIN_URL, fullmatch=True))
def test_fast_path_agrees_with_the_full_check(value: str) -> None:
    assert _full_check(value)
