"""Harvest Swedish offerings from Skolverket's Susa-navet EMIL3 API (reference/education-data.md §2.2).

Three list endpoints, each paged from page 0 with `size` ≤ 2000 and an optional `updatedSince` (new, changed
or deleted since that day): `/educationProviders`, then `/educationEvents`, then `/educationInfos`. The
order matters: an EducationInfo names no provider, and the mapper learns "education → provider" from the
events it has already seen. Every element goes through `susa_emil3.Emil3Mapper`, the mapping the file
importer uses, so a harvest and an imported dump of the same responses give identical records.

A page that cannot be fetched after the client's retries (503 "updating education resources", time-outs…)
ends the harvest with one Problem naming the URL: the records of a partial harvest would only produce a
cascade of "unknown provider/programme" problems, and the writer imports nothing when any problem exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from django.utils.translation import gettext_noop

from battery_region.catalogue.importers.codes import as_dict
from battery_region.catalogue.importers.http import HarvestHTTPError, PoliteClient
from battery_region.catalogue.importers.records import ParsedItem, Problem
from battery_region.catalogue.importers.susa_emil3 import LIST_KEYS, Element, Emil3Mapper, Kind

DEFAULT_BASE_URL = "https://api.skolverket.se/susa-navet/emil3"
MAX_PAGE_SIZE = 2000  # the API's maximum `size`
# Skolverket states no rate limit for EMIL3; one request a second with patient back-off keeps a full harvest
# (a few hundred pages of 2000) well under an hour while leaving the service to its other users.
RATE_PER_SECOND = 1.0
MAX_RETRIES = 5
BACKOFF_SECONDS = 5.0
TIMEOUT_SECONDS = 60.0  # a 2000-element page is several megabytes
MAX_PAGES = 10_000  # a guard against a page object that never ends

# (path, array key) in the order the mapper needs them.
ENDPOINTS: tuple[tuple[str, str], ...] = (
    ("/educationProviders", "educationProviders"),
    ("/educationEvents", "educationEvents"),
    ("/educationInfos", "educationInfos"),
)

MSG_FETCH_FAILED = gettext_noop("Fetching %(url)s failed: %(error)s")
MSG_BAD_PAGE = gettext_noop("The response from %(url)s is not an EMIL3 list page.")
MSG_TOO_MANY_PAGES = gettext_noop("%(url)s still had more pages after %(pages)s; the harvest stopped there.")

Progress = Callable[[int, int | None], None]


def harvest_susa(
    *,
    base_url: str = DEFAULT_BASE_URL,
    since: dt.date | None,
    client: PoliteClient | None = None,
    page_size: int = MAX_PAGE_SIZE,
    progress: Progress | None = None,
) -> Iterator[ParsedItem]:
    """Records and Problems for every provider, event and education Susa-navet lists (changed since `since`).

    `progress(done, total)` is called after each element; `total` is the sum of the `totalElements` the
    endpoints reported so far (None before the first page).
    """
    mapper = Emil3Mapper()
    for item in harvest_elements(base_url=base_url, since=since, client=client, page_size=page_size, progress=progress):
        if isinstance(item, Problem):
            yield item
        else:
            yield from mapper.map(item)


def harvest_elements(
    *,
    base_url: str = DEFAULT_BASE_URL,
    since: dt.date | None,
    client: PoliteClient | None = None,
    page_size: int = MAX_PAGE_SIZE,
    progress: Progress | None = None,
) -> Iterator[Element | Problem]:
    """The raw EMIL3 elements (`{id, status, content}`) of every list endpoint, page by page, unmapped."""
    own_client = client is None
    http = client or PoliteClient(
        base_url,
        rate_per_second=RATE_PER_SECOND,
        max_retries=MAX_RETRIES,
        backoff=BACKOFF_SECONDS,
        timeout=TIMEOUT_SECONDS,
    )
    counter = _Counter(progress)
    try:
        for path, key in ENDPOINTS:
            for item in _pages(http, path, key, since, min(max(page_size, 1), MAX_PAGE_SIZE), counter):
                yield item
                if isinstance(item, Problem):
                    return
    finally:
        if own_client:
            http.close()


class _Counter:
    """Progress across endpoints: elements done, and the totals the page objects announced."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.done = 0
        self.totals: dict[str, int] = {}

    def announce(self, path: str, total: Any) -> None:
        if isinstance(total, int) and not isinstance(total, bool):
            self.totals[path] = total

    def tick(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, sum(self.totals.values()) if self.totals else None)


def _pages(
    client: PoliteClient, path: str, key: str, since: dt.date | None, size: int, counter: _Counter
) -> Iterator[Element | Problem]:
    """Elements of one endpoint: page 0, 1, … until the page object's totalPages, or a short/empty page."""
    kind: Kind = LIST_KEYS[key]
    for page in range(MAX_PAGES):
        params = {"page": page, "size": size, "updatedSince": since.isoformat() if since else None}
        try:
            document = client.get_json(path, params)
        except HarvestHTTPError as error:
            yield Problem(error.url, "", MSG_FETCH_FAILED, {"url": error.url, "error": error.cause}, code="http")
            return
        elements = as_dict(document).get(key, [])
        if not isinstance(document, dict) or not isinstance(elements, list):
            yield Problem(f"GET {path}", "", MSG_BAD_PAGE, {"url": f"{path}?page={page}"}, code="malformed")
            return
        info = as_dict(document.get("page"))
        counter.announce(path, info.get("totalElements"))
        for index, value in enumerate(elements):
            yield Element(kind, f"GET {path}?page={page} [{index}]", value)
            counter.tick()
        total_pages = info.get("totalPages")
        if not elements or (isinstance(total_pages, int) and page + 1 >= total_pages):
            return
        if not isinstance(total_pages, int) and len(elements) < size:
            return
    yield Problem(f"GET {path}", "", MSG_TOO_MANY_PAGES, {"url": path, "pages": MAX_PAGES}, code="http")
