"""The Opintopolku harvester against a local konfo-backend stand-in on 127.0.0.1 (never the internet).

The stand-in serves the search pages from `tests/fixtures/opintopolku/konfo/` (sliced by `page`/`size` like
konfo-backend does) and the real sample documents; it can answer one request with 503 and one slowly, so the
client's retry and time-out paths run for real.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command

from battery_region.catalogue.harvesters import opintopolku as harvester_module
from battery_region.catalogue.harvesters.opintopolku import SEARCH_PATH, harvest_opintopolku
from battery_region.catalogue.importers import writer as writer_module
from battery_region.catalogue.importers.http import PoliteClient
from battery_region.catalogue.importers.records import (
    OfferingRecord,
    ParsedItem,
    Problem,
    ProgrammeRecord,
    ProviderRecord,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "opintopolku"
PREFIX = "/konfo-backend"
K1293 = "1.2.246.562.13.00000000000000001293"
K4330 = "1.2.246.562.13.00000000000000004330"
K8751 = "1.2.246.562.13.00000000000000008751"
T12960 = "1.2.246.562.17.00000000000000012960"


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


HITS = [
    *_load(FIXTURES / "konfo" / "search-page-1.json")["hits"],
    *_load(FIXTURES / "konfo" / "search-page-2.json")["hits"],
]
DOCUMENTS = {
    f"/external/koulutus/{K1293}": FIXTURES / "koulutus-1293.json",
    f"/external/koulutus/{K4330}": FIXTURES / "konfo" / "koulutus-4330.json",
    f"/external/koulutus/{K8751}": FIXTURES / "koulutus-ilman-koulutusalaa.json",
    f"/external/toteutus/{T12960}": FIXTURES / "toteutus-ihan-tavanomainen.json",
}


@dataclass
class Konfo:
    """What the stand-in does, and what it saw."""

    url: str = ""
    hits: list[dict[str, Any]] = field(default_factory=lambda: list(HITS))
    with_total: bool = True
    fail_once: set[str] = field(default_factory=set)  # paths answered 503 the first time
    slow_once: set[str] = field(default_factory=set)  # paths answered too late the first time
    always_fail: set[str] = field(default_factory=set)
    calls: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)

    def count(self, path: str) -> int:
        return sum(1 for called, _query in self.calls if called == path)


def _handler_for(konfo: Konfo) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            parts = urlsplit(self.path)
            path, query = parts.path.removeprefix(PREFIX), parse_qs(parts.query)
            konfo.calls.append((path, query))
            first_time = konfo.count(path) == 1
            if path in konfo.always_fail or (path in konfo.fail_once and first_time):
                return self._send(503, {"error": "busy"})
            if path in konfo.slow_once and first_time:
                time.sleep(0.6)
            if path == SEARCH_PATH:
                return self._send(200, self._search(query))
            if path in DOCUMENTS:
                return self._send(200, _load(DOCUMENTS[path]))
            return self._send(404, {"error": "not found"})

        def _search(self, query: dict[str, list[str]]) -> dict[str, Any]:
            page, size = int(query["page"][0]), int(query["size"][0])
            page_hits = konfo.hits[(page - 1) * size : page * size]
            return {"total": len(konfo.hits), "hits": page_hits} if konfo.with_total else {"hits": page_hits}

        def _send(self, code: int, body: Any) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and left

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the http.server API
            pass

    return Handler


@pytest.fixture
def konfo() -> Iterator[Konfo]:
    state = Konfo()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def fast_client(konfo: Konfo, **options: Any) -> PoliteClient:
    settings: dict[str, Any] = {"timeout": 0.3, "backoff": 0.01, "rate_per_second": 500.0, "max_retries": 3}
    return PoliteClient(konfo.url, **{**settings, **options})


def harvest(konfo: Konfo, *, since: dt.date | None = None, page_size: int = 2, **options: Any) -> list[ParsedItem]:
    with fast_client(konfo, **options) as client:
        return list(harvest_opintopolku(base_url=konfo.url, since=since, client=client, page_size=page_size))


def ids(items: list[ParsedItem], kind: type[ProviderRecord | ProgrammeRecord | OfferingRecord]) -> set[str]:
    return {item.source_id for item in items if isinstance(item, kind) and not isinstance(item, Problem)}


def search_pages(konfo: Konfo) -> list[int]:
    return [int(query["page"][0]) for path, query in konfo.calls if path == SEARCH_PATH]


def test_harvest_pages_fetches_every_document_and_survives_a_503_and_a_timeout(konfo: Konfo) -> None:
    konfo.fail_once = {f"/external/koulutus/{K1293}"}
    konfo.slow_once = {f"/external/toteutus/{T12960}"}
    items = harvest(konfo)
    assert [item for item in items if isinstance(item, Problem)] == []
    assert ids(items, ProgrammeRecord) == {K1293, K4330, K8751}
    assert ids(items, OfferingRecord) == {T12960}
    assert "1.2.246.562.10.25798690799" in ids(items, ProviderRecord)
    assert search_pages(konfo) == [1, 2]  # the second page was short: no third request
    assert konfo.count(f"/external/koulutus/{K1293}") == 2  # 503, then the document
    assert konfo.count(f"/external/toteutus/{T12960}") == 2  # timed out, then the document
    search_query = next(query for path, query in konfo.calls if path == SEARCH_PATH)
    assert search_query["size"] == ["2"]
    toteutus_query = next(query for path, query in konfo.calls if path.startswith("/external/toteutus/"))
    assert toteutus_query == {"hakukohteet": ["true"]}


def test_records_are_the_ones_the_file_parser_makes(konfo: Konfo) -> None:
    from battery_region.catalogue.importers.opintopolku import parse

    harvested = {item.source_id: item for item in harvest(konfo) if not isinstance(item, Problem)}
    from_file = {
        item.source_id: item for item in parse(FIXTURES / "koulutus-1293.json") if not isinstance(item, Problem)
    }
    for source_id, record in from_file.items():
        assert harvested[source_id] == record.__class__(**{**record.__dict__, "ref": harvested[source_id].ref})


def test_since_skips_older_documents(konfo: Konfo) -> None:
    items = harvest(konfo, since=dt.date(2024, 1, 1))
    assert ids(items, ProgrammeRecord) == {K4330, K8751}  # 1293 was modified in 2023
    assert ids(items, OfferingRecord) == set()  # the toteutus was modified in February 2023
    assert [item for item in items if isinstance(item, Problem)] == []


def test_paging_stops_when_the_total_is_reached(konfo: Konfo) -> None:
    harvest(konfo, page_size=3)
    assert search_pages(konfo) == [1]


def test_paging_stops_on_an_empty_page_without_a_total(konfo: Konfo) -> None:
    konfo.with_total = False
    items = harvest(konfo, page_size=3)
    assert search_pages(konfo) == [1, 2]
    assert ids(items, ProgrammeRecord) == {K1293, K4330, K8751}


def test_page_size_is_capped_at_200(konfo: Konfo) -> None:
    harvest(konfo, page_size=1000)
    assert next(query for path, query in konfo.calls if path == SEARCH_PATH)["size"] == ["200"]


def test_unpublished_documents_are_skipped_and_failures_reported(konfo: Konfo) -> None:
    konfo.hits = [
        *konfo.hits,
        {"oid": "1.2.246.562.13.00000000000000000404", "toteutukset": [{"toteutusOid": "1.2.246.562.17.404"}]},
    ]
    konfo.always_fail = {f"/external/koulutus/{K4330}"}
    items = harvest(konfo, max_retries=1)
    [problem] = [item for item in items if isinstance(item, Problem)]
    assert problem.code == "http"
    assert problem.ref.endswith(f"/external/koulutus/{K4330}")
    assert problem.params["error"] == "HTTP 503"
    assert konfo.count(f"/external/koulutus/{K4330}") == 2  # tried, retried once, reported
    assert K8751 in ids(items, ProgrammeRecord)  # the harvest went on


def test_a_failing_search_is_a_problem(konfo: Konfo) -> None:
    konfo.always_fail = {SEARCH_PATH}
    items = harvest(konfo, max_retries=1)
    assert [item.code for item in items if isinstance(item, Problem)] == ["http"]
    assert search_pages(konfo) == [1, 1]


def test_progress_is_reported(konfo: Konfo) -> None:
    seen: list[tuple[int, int | None]] = []
    with fast_client(konfo) as client:
        list(
            harvest_opintopolku(
                base_url=konfo.url, since=None, client=client, page_size=2, progress=lambda *a: seen.append(a)
            )
        )
    assert seen == [(1, 3), (2, 3), (3, 3)]


# --- end to end ---------------------------------------------------------------------------------------------

needs_writer = pytest.mark.skipif(not hasattr(writer_module, "run_import"), reason="the writer has not landed")


@needs_writer
@pytest.mark.django_db
def test_harvest_writes_through_the_writer(konfo: Konfo) -> None:
    from battery_region.catalogue.models import Offering, Programme

    with fast_client(konfo) as client:
        report = writer_module.run_import(
            lambda: harvest_opintopolku(base_url=konfo.url, since=None, client=client, page_size=2)
        )
    assert report.ok, report.problem_lines()
    assert Programme.objects.filter(source="fi-kouta").count() == 3
    offering = Offering.objects.get(source="fi-kouta")
    assert offering.programme.source_id == K4330
    assert offering.region == "FI1D9"


@pytest.fixture
def quick_command_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command builds its own client; make its back-off and rate fit a test run."""
    quick = functools.partial(PoliteClient, timeout=1.0, backoff=0.01, rate_per_second=500.0, max_retries=1)
    monkeypatch.setattr(harvester_module, "PoliteClient", quick)


@needs_writer
@pytest.mark.django_db
@pytest.mark.usefixtures("quick_command_client")
def test_management_command_harvests_once_and_reports(konfo: Konfo) -> None:
    from battery_region.catalogue.models import Programme

    out, err = io.StringIO(), io.StringIO()
    call_command("harvest_opintopolku", "--base-url", konfo.url, "--since", "2024-01-01", stdout=out, stderr=err)
    assert "Harvest complete." in out.getvalue()
    assert "programme: 2 created" in out.getvalue()
    assert set(Programme.objects.values_list("source_id", flat=True)) == {K4330, K8751}
    assert Counter(path for path, _query in konfo.calls)[SEARCH_PATH] == 1  # the writer's second pass is replayed


@needs_writer
@pytest.mark.django_db
@pytest.mark.usefixtures("quick_command_client")
def test_management_command_fails_on_problems(konfo: Konfo) -> None:
    konfo.always_fail = {SEARCH_PATH}
    with pytest.raises(CommandError, match="problem"):
        call_command(
            "harvest_opintopolku", "--base-url", konfo.url, "--dry-run", stdout=io.StringIO(), stderr=io.StringIO()
        )


def test_management_command_rejects_a_bad_date() -> None:
    with pytest.raises(CommandError, match="not a date"):
        call_command("harvest_opintopolku", "--since", "yesterday", stdout=io.StringIO())
