"""The Susa-navet harvester against a local EMIL3 server on 127.0.0.1 (never the internet): paging from page 0
to the page object's totalPages, `updatedSince` passed through, a 503 and a time-out retried, and the same
records the file importer makes from the same responses."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command

from battery_region.catalogue.harvesters import susa
from battery_region.catalogue.harvesters.susa import harvest_elements, harvest_susa
from battery_region.catalogue.importers.http import PoliteClient
from battery_region.catalogue.importers.records import (
    OfferingRecord,
    ParsedItem,
    Problem,
    ProgrammeRecord,
    ProviderRecord,
)
from battery_region.catalogue.importers.susa_emil3 import SOURCE, parse

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "susa"
PREFIX = "/susa-navet/emil3"
PAGES = {
    ("/educationProviders", 0): FIXTURES / "educationProviders.json",
    ("/educationEvents", 0): FIXTURES / "educationEvents.json",
    ("/educationInfos", 0): FIXTURES / "harvest" / "educationInfos.page-0.json",
    ("/educationInfos", 1): FIXTURES / "harvest" / "educationInfos.page-1.json",
}
SLOW_SECONDS = 1.0  # longer than the test client's time-out
ERROR_BODY = {
    "timestamp": "2026-02-18T15:57:56+01:00",
    "status": 503,
    "type": "Service Unavailable",
    "message": "The system is currently updating education resources. Please try again later.",
}


@dataclass
class FakeEmil3:
    """What the loopback server serves, the faults it injects per (path, page), and what it was asked."""

    base_url: str = ""
    faults: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    bodies: dict[tuple[str, int], bytes] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        path = url.path.removeprefix(PREFIX)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        self.requests.append((path, query))
        key = (path, int(query.get("page", "0")))
        fault = self.faults.get(key, []).pop(0) if self.faults.get(key) else None
        if fault == "timeout":
            time.sleep(SLOW_SECONDS)
        elif fault is not None:
            return self._send(handler, int(fault), json.dumps({**ERROR_BODY, "status": int(fault)}).encode())
        body = self.bodies.get(key) or (PAGES[key].read_bytes() if key in PAGES else None)
        if body is None:
            return self._send(handler, 404, json.dumps({**ERROR_BODY, "status": 404}).encode())
        return self._send(handler, 200, body)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the time-out case)


@pytest.fixture
def emil3() -> Iterator[FakeEmil3]:
    fake = FakeEmil3()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.respond(self)

        def log_message(self, format: str, *args: Any) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def client(fake: FakeEmil3, *, max_retries: int = 3) -> PoliteClient:
    return PoliteClient(fake.base_url, rate_per_second=1000, max_retries=max_retries, backoff=0.01, timeout=0.3)


def kinds(items: list[ParsedItem]) -> tuple[int, int, int, list[Problem]]:
    return (
        sum(isinstance(i, ProviderRecord) for i in items),
        sum(isinstance(i, ProgrammeRecord) for i in items),
        sum(isinstance(i, OfferingRecord) for i in items),
        [i for i in items if isinstance(i, Problem)],
    )


# --- paging, parameters and retries -------------------------------------------------------------------------


def test_two_pages_a_503_and_a_timeout(emil3: FakeEmil3) -> None:
    emil3.faults = {("/educationProviders", 0): ["503"], ("/educationEvents", 0): ["timeout"]}
    with client(emil3) as http:
        items = list(harvest_susa(base_url=emil3.base_url, since=dt.date(2026, 1, 1), client=http))
    assert kinds(items) == (4, 4, 5, [])
    assert [(path, query["page"]) for path, query in emil3.requests] == [
        ("/educationProviders", "0"),  # 503
        ("/educationProviders", "0"),
        ("/educationEvents", "0"),  # timed out
        ("/educationEvents", "0"),
        ("/educationInfos", "0"),  # page object: totalPages 2
        ("/educationInfos", "1"),
    ]
    assert all(q["updatedSince"] == "2026-01-01" and q["size"] == "2000" for _, q in emil3.requests)


def test_without_since_no_updated_since_is_sent(emil3: FakeEmil3) -> None:
    with client(emil3) as http:
        assert kinds(list(harvest_susa(base_url=emil3.base_url, since=None, client=http)))[3] == []
    assert all("updatedSince" not in query for _, query in emil3.requests)


def test_page_size_is_capped_at_the_api_maximum(emil3: FakeEmil3) -> None:
    with client(emil3) as http:
        list(harvest_elements(base_url=emil3.base_url, since=None, client=http, page_size=5000))
    assert {query["size"] for _, query in emil3.requests} == {"2000"}


def test_harvest_equals_the_file_import_of_the_same_responses(emil3: FakeEmil3) -> None:
    """One mapping path: records from the API are the records parse() makes from the saved responses."""
    with client(emil3) as http:
        harvested = list(harvest_susa(base_url=emil3.base_url, since=None, client=http))
    imported = list(parse(FIXTURES))

    def keyed(items: list[ParsedItem]) -> dict[tuple[str, str], Any]:
        return {(type(i).__name__, i.source_id): i for i in items if not isinstance(i, Problem)}

    assert keyed(harvested) == keyed(imported)
    assert {i.source for i in harvested if not isinstance(i, Problem)} == {SOURCE}


def test_infos_learn_their_provider_from_the_events_fetched_before(emil3: FakeEmil3) -> None:
    with client(emil3) as http:
        items = list(harvest_susa(base_url=emil3.base_url, since=None, client=http))
    providers = {i.source_id: i.provider_source_id for i in items if isinstance(i, ProgrammeRecord)}
    assert providers["i.uh.umu.5KE123"] == "p.uh.umu"


def test_progress_reports_done_and_announced_totals(emil3: FakeEmil3) -> None:
    calls: list[tuple[int, int | None]] = []
    with client(emil3) as http:
        list(
            harvest_elements(
                base_url=emil3.base_url, since=None, client=http, progress=lambda d, t: calls.append((d, t))
            )
        )
    assert calls[0] == (1, 4) and calls[4] == (5, 9) and calls[-1] == (13, 13)


# --- failures -----------------------------------------------------------------------------------------------


def test_permanent_error_ends_the_harvest_with_one_problem(emil3: FakeEmil3) -> None:
    emil3.faults = {("/educationInfos", 1): ["404"]}
    with client(emil3) as http:
        items = list(harvest_susa(base_url=emil3.base_url, since=None, client=http))
    (problem,) = kinds(items)[3]
    assert problem.code == "http" and "/educationInfos?page=1" in problem.ref
    assert problem.params["error"] == "HTTP 404"
    assert isinstance(items[-1], Problem)  # nothing after it


def test_retries_run_out(emil3: FakeEmil3) -> None:
    emil3.faults = {("/educationEvents", 0): ["503"] * 5}
    with client(emil3, max_retries=2) as http:
        items = list(harvest_susa(base_url=emil3.base_url, since=None, client=http))
    (problem,) = kinds(items)[3]
    assert problem.params["error"] == "HTTP 503"
    assert [path for path, _ in emil3.requests].count("/educationEvents") == 3
    assert "/educationInfos" not in [path for path, _ in emil3.requests]


@pytest.mark.parametrize("body", [b'{"educationEvents": "nope"}', b"[1, 2]", b'"text"'])
def test_a_page_that_is_not_a_list_page(emil3: FakeEmil3, body: bytes) -> None:
    emil3.bodies = {("/educationEvents", 0): body}
    with client(emil3) as http:
        problems = kinds(list(harvest_susa(base_url=emil3.base_url, since=None, client=http)))[3]
    assert [p.code for p in problems] == ["malformed"]


def test_a_body_that_is_not_json(emil3: FakeEmil3) -> None:
    emil3.bodies = {("/educationProviders", 0): b"<html>maintenance</html>"}
    with client(emil3) as http:
        problems = kinds(list(harvest_susa(base_url=emil3.base_url, since=None, client=http)))[3]
    assert [p.code for p in problems] == ["http"]


def test_an_empty_page_stops_even_if_the_page_object_says_more(emil3: FakeEmil3) -> None:
    emil3.bodies = {
        ("/educationProviders", 0): json.dumps(
            {"educationProviders": [], "page": {"size": 2000, "totalElements": 9, "totalPages": 9, "pageNumber": 0}}
        ).encode()
    }
    with client(emil3) as http:
        list(harvest_elements(base_url=emil3.base_url, since=None, client=http))
    assert [path for path, _ in emil3.requests].count("/educationProviders") == 1


# --- the management command ---------------------------------------------------------------------------------


@pytest.fixture
def fast_default_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command builds its own client; make its politeness test-sized (still against loopback only)."""
    monkeypatch.setattr(susa, "RATE_PER_SECOND", 1000.0)
    monkeypatch.setattr(susa, "BACKOFF_SECONDS", 0.01)
    monkeypatch.setattr(susa, "TIMEOUT_SECONDS", 0.3)


@pytest.mark.django_db
@pytest.mark.usefixtures("fast_default_client")
def test_command_harvests_once_and_writes(emil3: FakeEmil3) -> None:
    from battery_region.catalogue.models import Offering, Programme

    out = io.StringIO()
    call_command(
        "harvest_susa", "--base-url", emil3.base_url, "--since", "2026-01-01", stdout=out, stderr=io.StringIO()
    )
    assert "programme: 4 created" in out.getvalue() and "Harvest complete." in out.getvalue()
    assert Programme.objects.filter(source=SOURCE).count() == 4
    assert Offering.objects.filter(source=SOURCE).count() == 5
    assert len(emil3.requests) == 4  # validated and written from one harvest: every page fetched once


@pytest.mark.django_db
@pytest.mark.usefixtures("fast_default_client")
def test_command_dry_run_writes_nothing(emil3: FakeEmil3) -> None:
    from battery_region.catalogue.models import Programme

    out = io.StringIO()
    call_command("harvest_susa", "--base-url", emil3.base_url, "--dry-run", stdout=out, stderr=io.StringIO())
    assert "Dry run" in out.getvalue()
    assert Programme.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.usefixtures("fast_default_client")
def test_command_fails_loudly_and_writes_nothing(emil3: FakeEmil3) -> None:
    from battery_region.catalogue.models import Programme

    emil3.faults = {("/educationInfos", 0): ["404"]}
    err = io.StringIO()
    with pytest.raises(CommandError, match="problem"):
        call_command("harvest_susa", "--base-url", emil3.base_url, stdout=io.StringIO(), stderr=err)
    assert "HTTP 404" in err.getvalue()
    assert Programme.objects.count() == 0


def test_command_rejects_a_bad_date() -> None:
    with pytest.raises(CommandError, match="not a date"):
        call_command("harvest_susa", "--since", "yesterday")
