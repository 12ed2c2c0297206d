"""The vocabulary that "did you mean" searches: words added after the index exists are found through it."""

from __future__ import annotations

import pytest
from django.db import connection

from battery_region.search.backends import get_backend

pytestmark = pytest.mark.django_db


def test_similar_words_finds_words_added_later() -> None:
    backend = get_backend()
    backend.add_vocabulary(["kalolumu", "akkukenno", "hitsaus"])
    assert "kalolumu" in backend.similar_words("kalolomi", 40)
    assert "akkukenno" in backend.similar_words("akkukenon", 40)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigram index")
def test_trigram_index_has_no_pending_list() -> None:
    # With a GIN pending list, words inserted after the index was built stayed out of the index proper
    # and the planner read the whole vocabulary instead of the index (migration 0003).
    with connection.cursor() as cur:
        cur.execute("SELECT reloptions FROM pg_class WHERE relname = 'search_term_trgm'")
        (options,) = cur.fetchone()
    assert "fastupdate=off" in (options or [])
