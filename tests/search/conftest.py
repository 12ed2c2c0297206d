"""Shared fixtures for the search tests; every DB test runs on SQLite or PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from battery_region.search import analysis, glossary
from battery_region.search.glossary import load_glossary


@pytest.fixture(autouse=True)
def _fresh_glossary_cache() -> Iterator[None]:
    glossary.invalidate()
    yield
    glossary.invalidate()


@pytest.fixture
def glossary_loaded(db: Any) -> None:
    load_glossary()


@pytest.fixture
def without_voikko(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Simulate a machine without libvoikko1/voikko-fi: the loader finds nothing."""
    monkeypatch.setattr(analysis, "load_voikko", lambda: None)
    analysis.reset()
    yield
    monkeypatch.undo()
    analysis.reset()


@pytest.fixture
def without_swedish_dictionary(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(analysis, "load_swedish_dictionary", lambda path=None: None)
    analysis.reset()
    yield
    monkeypatch.undo()
    analysis.reset()


voikko_available = analysis.load_voikko() is not None
swedish_dictionary_available = analysis.SWEDISH_DICTIONARY_PATH.exists()
needs_voikko = pytest.mark.skipif(not voikko_available, reason="libvoikko1 + voikko-fi are not installed")
needs_swedish_dictionary = pytest.mark.skipif(
    not swedish_dictionary_available, reason="hunspell-sv-se is not installed"
)
