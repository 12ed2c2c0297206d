"""Side effects of catalogue writes that other apps own, called inside the writing transaction.

The search index is updated in the same transaction as the data (so a rollback leaves both as they were);
imported or edited programmes get role and skill suggestions (never silent tags). Both apps are optional
for the catalogue, so a missing one is skipped.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def many_changes() -> Iterator[None]:
    """Wrap many `offerings_changed` calls inside one transaction (an import), so the search index can share
    bookkeeping between them; enter it inside that transaction."""
    try:
        from battery_region.search.indexing import indexing_session
    except ImportError:
        yield
        return
    with indexing_session():
        yield


def offerings_changed(offering_ids: Iterable[int]) -> None:
    ids = list(offering_ids)
    if not ids:
        return
    try:
        from battery_region.search.indexing import index_offerings
    except ImportError:
        return
    index_offerings(ids)


def offerings_removed(offering_ids: Iterable[int]) -> None:
    ids = list(offering_ids)
    if not ids:
        return
    try:
        from battery_region.search.indexing import remove_offerings
    except ImportError:
        return
    remove_offerings(ids)


def programmes_changed(
    programme_ids: Iterable[int], *, already_indexed: Collection[int] = (), actor: Any = None
) -> None:
    """Refresh the search text of the programmes' offerings (skipping those just indexed) and suggest tags."""
    ids = list(programme_ids)
    if not ids:
        return
    from battery_region.catalogue.models import Offering

    offering_ids = Offering.objects.filter(programme_id__in=ids).values_list("pk", flat=True)
    stale = [pk for pk in offering_ids if pk not in already_indexed]
    offerings_changed(stale)
    try:
        from battery_region.skills.services import programme_tags_suggest
    except ImportError:
        return
    programme_tags_suggest(programme_ids=ids, actor=None)
