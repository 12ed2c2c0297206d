"""PoliteClient: retries with back-off, Retry-After, rate limit, clear errors — all without the internet."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from battery_region.catalogue.importers.http import (
    DEFAULT_USER_AGENT,
    MAX_RETRY_AFTER_SECONDS,
    HarvestHTTPError,
    PoliteClient,
    parse_retry_after,
)


class FakeTime:
    """A clock that only moves when the client sleeps, so tests see exactly the waits it asked for."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds

    def clock(self) -> float:
        return self.now


def client_for(
    responses: list[Callable[[httpx.Request], httpx.Response]], fake: FakeTime, **options: Any
) -> tuple[PoliteClient, list[httpx.Request]]:
    """A client whose n-th request is answered by responses[n] (the last one repeats)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses[min(len(seen), len(responses)) - 1](request)

    defaults: dict[str, Any] = {"rate_per_second": 1000.0, "backoff": 0.5, "max_retries": 3}
    client = PoliteClient(
        "https://konfo.example/konfo-backend",
        transport=httpx.MockTransport(handler),
        sleep=fake.sleep,
        clock=fake.clock,
        **{**defaults, **options},
    )
    return client, seen


def ok(body: Any = None) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(200, json={"ok": True} if body is None else body)


def status(code: int, headers: dict[str, str] | None = None) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(code, headers=headers or {}, text="nope")


def raises(error: type[Exception]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("boom", request=request)  # type: ignore[call-arg]

    return handler


def test_get_json_joins_the_base_path_and_identifies_itself() -> None:
    fake = FakeTime()
    client, seen = client_for([ok({"total": 0, "hits": []})], fake, headers={"Caller-Id": "test.caller"})
    assert client.get_json("/external/search", {"page": 1, "keyword": None, "flag": True}) == {"total": 0, "hits": []}
    request = seen[0]
    assert str(request.url) == "https://konfo.example/konfo-backend/external/search?page=1&flag=true"
    assert request.headers["User-Agent"] == DEFAULT_USER_AGENT
    assert request.headers["Caller-Id"] == "test.caller"
    assert request.headers["Accept"] == "application/json"


@pytest.mark.parametrize("code", [429, 500, 502, 503, 504])
def test_transient_statuses_are_retried_with_exponential_backoff(code: int) -> None:
    fake = FakeTime()
    client, seen = client_for([status(code), status(code), ok()], fake)
    assert client.get_json("/x") == {"ok": True}
    assert len(seen) == 3
    assert fake.sleeps == [0.5, 1.0]


def test_retry_after_seconds_is_honoured() -> None:
    fake = FakeTime()
    client, _seen = client_for([status(429, {"Retry-After": "7"}), ok()], fake)
    client.get_json("/x")
    assert fake.sleeps == [7.0]


def test_retry_after_http_date() -> None:
    now = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=lambda: now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=lambda: now) == 0.0
    assert parse_retry_after("100000") == MAX_RETRY_AFTER_SECONDS
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(
    "error", [httpx.ReadTimeout, httpx.ConnectTimeout, httpx.ConnectError, httpx.RemoteProtocolError]
)
def test_timeouts_and_connection_errors_are_retried(error: type[Exception]) -> None:
    fake = FakeTime()
    client, seen = client_for([raises(error), ok()], fake)
    assert client.get_json("/x") == {"ok": True}
    assert len(seen) == 2


def test_a_clear_error_after_the_last_retry() -> None:
    fake = FakeTime()
    client, seen = client_for([status(503)], fake, max_retries=2)
    with pytest.raises(HarvestHTTPError) as raised:
        client.get_json("/external/koulutus/1")
    assert len(seen) == 3
    error = raised.value
    assert (error.attempts, error.status_code, error.cause) == (3, 503, "HTTP 503")
    assert error.url == "https://konfo.example/konfo-backend/external/koulutus/1"
    assert "failed after 3 attempt(s): HTTP 503" in str(error)
    assert fake.sleeps == [0.5, 1.0]  # no pointless sleep after the last attempt


def test_permanent_errors_are_not_retried() -> None:
    fake = FakeTime()
    client, seen = client_for([status(404)], fake)
    with pytest.raises(HarvestHTTPError) as raised:
        client.get_json("/x")
    assert (len(seen), raised.value.status_code, raised.value.attempts) == (1, 404, 1)


def test_a_body_that_is_not_json_is_an_error() -> None:
    fake = FakeTime()
    client, _seen = client_for([lambda request: httpx.Response(200, text="<html>maintenance</html>")], fake)
    with pytest.raises(HarvestHTTPError, match="not JSON"):
        client.get_json("/x")


def test_requests_keep_a_minimum_interval() -> None:
    fake = FakeTime()
    client, _seen = client_for([ok()], fake, rate_per_second=2.0)
    for _ in range(3):
        client.get_json("/x")
    assert fake.sleeps == [0.5, 0.5]


def test_the_interval_also_spaces_retries() -> None:
    fake = FakeTime()
    client, _seen = client_for([status(503), ok()], fake, rate_per_second=0.5, backoff=0.5)
    client.get_json("/x")
    assert fake.sleeps == [0.5, 1.5]  # back-off, then the rest of the 2-second interval


def test_invalid_configuration() -> None:
    with pytest.raises(ValueError):
        PoliteClient("https://x", rate_per_second=0)
    with pytest.raises(ValueError):
        PoliteClient("https://x", max_retries=-1)


# --- a real socket: the time-out path end to end ------------------------------------------------------------


@pytest.fixture
def slow_server() -> Iterator[tuple[str, list[str]]]:
    """A loopback server whose first answer comes too late for the client's time-out."""
    calls: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            calls.append(self.path)
            if len(calls) == 1:
                time.sleep(0.6)
            body = b'{"answer": 42}'
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up on the slow answer

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the http.server API
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", calls
    finally:
        server.shutdown()
        server.server_close()


def test_a_real_timeout_is_retried(slow_server: tuple[str, list[str]]) -> None:
    url, calls = slow_server
    with PoliteClient(url, timeout=0.2, backoff=0.01, rate_per_second=100.0) as client:
        assert client.get_json("/slow") == {"answer": 42}
    assert calls == ["/slow", "/slow"]
