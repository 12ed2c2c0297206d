"""Harvest Finnish offerings from konfo-backend's public `/external` API (reference/education-data.md §1.8).

The loop OPH recommends for outsiders: page through `GET /external/search/toteutukset-koulutuksittain`
(page from 1, size at most 200; an empty keyword returns everything), then fetch every hit's
`/external/koulutus/{oid}` and each of its toteutukset's `/external/toteutus/{oid}?hakukohteet=true`. The
fetched documents go through `opintopolku.KoutaMapper`, the same mapping the file importer uses.

The API has no "changed since" filter, so `since` is applied to each document's `modified` after fetching:
older documents are skipped (not re-written), which keeps incremental runs cheap for the database.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.utils.translation import gettext_noop

from battery_region.catalogue.importers.codes import as_dict, as_list
from battery_region.catalogue.importers.http import HarvestHTTPError, PoliteClient
from battery_region.catalogue.importers.opintopolku import KoutaMapper, modified_at
from battery_region.catalogue.importers.records import ParsedItem, Problem

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://opintopolku.fi/konfo-backend"
SEARCH_PATH = "/external/search/toteutukset-koulutuksittain"
MAX_PAGE_SIZE = 200  # konfo-backend caps `size` at 200
# OPH services ask callers to identify themselves with a Caller-Id header.
CALLER_ID = "BatteryRegion.harvester"

MSG_FETCH_FAILED = gettext_noop("Fetching %(url)s failed: %(error)s")
MSG_BAD_RESPONSE = gettext_noop("The response from %(url)s is not a konfo search result.")

Progress = Callable[[int, int | None], None]


def harvest_opintopolku(
    *,
    base_url: str = DEFAULT_BASE_URL,
    since: dt.date | None,
    client: PoliteClient | None = None,
    page_size: int = MAX_PAGE_SIZE,
    filters: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> Iterator[ParsedItem]:
    """Records and Problems for every published offering konfo-backend lists (optionally narrowed by
    `filters`, e.g. {"sijainti": "maakunta_17"}).

    `progress(done, total)` is called after each search hit (a koulutus with its toteutukset) is processed.
    A document that can no longer be found (404: unpublished since the search) is skipped; any other failure
    after the client's retries becomes a Problem naming the URL, and the harvest goes on with the next one.
    """
    own_client = client is None
    http = client or PoliteClient(base_url, headers={"Caller-Id": CALLER_ID})
    try:
        yield from _harvest(http, since, min(max(page_size, 1), MAX_PAGE_SIZE), dict(filters or {}), progress)
    finally:
        if own_client:
            http.close()


def _harvest(
    client: PoliteClient, since: dt.date | None, page_size: int, filters: dict[str, str], progress: Progress | None
) -> Iterator[ParsedItem]:
    mapper = KoutaMapper()
    fetched: set[str] = set()
    done = 0
    for hit, total in _search_hits(client, page_size, filters):
        if isinstance(hit, Problem):
            yield hit
            break
        yield from _fetch_and_map(client, mapper, "koulutus", hit.get("oid"), {}, since, fetched)
        for summary in as_list(hit.get("toteutukset")):
            oid = as_dict(summary).get("toteutusOid")
            yield from _fetch_and_map(client, mapper, "toteutus", oid, {"hakukohteet": "true"}, since, fetched)
        done += 1
        if progress is not None:
            progress(done, total)
    yield from mapper.finish()


def _search_hits(
    client: PoliteClient, page_size: int, filters: dict[str, str]
) -> Iterator[tuple[dict[str, Any] | Problem, int | None]]:
    """Every search hit with the reported total, page by page until a short or empty page or the total."""
    page = 1
    seen = 0
    while True:
        params: dict[str, str | int] = {**filters, "page": page, "size": page_size}
        try:
            response = client.get_json(SEARCH_PATH, params)
        except HarvestHTTPError as error:
            yield _problem(error), None
            return
        hits = as_dict(response).get("hits")
        total = as_dict(response).get("total")
        if not isinstance(hits, list):
            yield Problem(ref=SEARCH_PATH, field="", message=MSG_BAD_RESPONSE, params={"url": SEARCH_PATH}), None
            return
        total = total if isinstance(total, int) and not isinstance(total, bool) else None
        for hit in hits:
            if isinstance(hit, dict):
                yield hit, total
        seen += len(hits)
        if len(hits) < page_size or (total is not None and seen >= total):
            return
        page += 1


def _fetch_and_map(
    client: PoliteClient,
    mapper: KoutaMapper,
    kind: str,
    oid: Any,
    params: dict[str, str],
    since: dt.date | None,
    fetched: set[str],
) -> Iterator[ParsedItem]:
    """GET one koulutus/toteutus and map it unless it was fetched already or is older than `since`."""
    if not isinstance(oid, str) or not oid or oid in fetched:
        return
    fetched.add(oid)
    path = f"/external/{kind}/{oid}"
    try:
        document = client.get_json(path, params)
    except HarvestHTTPError as error:
        if error.status_code == 404:
            logger.info("skipping %s: no longer published", path)
            return
        yield _problem(error)
        return
    if since is not None and not _changed_since(document, since):
        return
    yield from mapper.map_document(document, f"GET {path}")


def _changed_since(document: Any, since: dt.date) -> bool:
    """Whether a document was modified on or after `since` (documents without a readable date are kept)."""
    modified = modified_at(document) if isinstance(document, dict) else None
    return modified is None or modified.date() >= since


def _problem(error: HarvestHTTPError) -> Problem:
    return Problem(
        ref=error.url, field="", message=MSG_FETCH_FAILED, params={"url": error.url, "error": error.cause}, code="http"
    )
