"""A polite HTTP client shared by the harvesters (Opintopolku konfo, Susa-navet).

Public education APIs are run by small teams on shared infrastructure; a harvester that hammers them gets
blocked and makes the data worse for everyone. So every harvester goes through `PoliteClient`, which
- keeps a minimum interval between requests (`rate_per_second`), across retries too;
- identifies itself with a User-Agent that says who we are and where to complain;
- retries transient failures (HTTP 429 and 5xx, time-outs, connection errors) with exponential back-off,
  honouring the server's `Retry-After` header when it sends one;
- raises one clear `HarvestHTTPError` after the last attempt (or at once for a permanent 4xx), naming the
  URL, the number of attempts and the last cause, so a harvest run report says what went wrong.

It is deliberately synchronous: harvests run as background tasks, and the rate limit makes concurrency moot.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import httpx

DEFAULT_USER_AGENT = "BatteryRegion-harvester/1 (+https://github.com/battery-region/battery-region)"

# Statuses that say "try again later" rather than "your request is wrong".
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
# Never sleep longer than this for one Retry-After, whatever the server asks: a harvest must finish.
MAX_RETRY_AFTER_SECONDS = 120.0

QueryParams = Mapping[str, str | int | float | bool | None]


class HarvestHTTPError(Exception):
    """A request failed for good: a permanent HTTP error, or a transient one that outlived every retry."""

    def __init__(self, url: str, attempts: int, cause: str, status_code: int | None = None) -> None:
        self.url = url
        self.attempts = attempts
        self.cause = cause
        self.status_code = status_code
        super().__init__(f"GET {url} failed after {attempts} attempt(s): {cause}")


def parse_retry_after(value: str | None, *, now: Callable[[], datetime] | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None if absent/unusable.

    The value is capped at MAX_RETRY_AFTER_SECONDS and never negative.
    """
    if not value:
        return None
    value = value.strip()
    seconds: float | None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        current = now() if now else datetime.now(UTC)
        seconds = (when - current).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(seconds, MAX_RETRY_AFTER_SECONDS))


class PoliteClient:
    """GET JSON from one API politely: rate-limited, identified, retried with back-off.

    `backoff` is the first retry delay in seconds; it doubles on each further attempt. `max_retries` counts
    retries, so a request is tried at most `max_retries + 1` times. `sleep` and `clock` are injectable so
    tests need not wait in real time; `transport` lets tests plug in an httpx mock transport. `headers` adds
    request headers some APIs ask callers to send (e.g. OPH's `Caller-Id`).
    """

    def __init__(
        self,
        base_url: str,
        *,
        rate_per_second: float = 2.0,
        max_retries: int = 5,
        backoff: float = 0.5,
        timeout: float = 10.0,
        user_agent: str = DEFAULT_USER_AGENT,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        if max_retries < 0:
            raise ValueError("max_retries must not be negative")
        self.base_url = base_url.rstrip("/")
        self.min_interval = 1.0 / rate_per_second
        self.max_retries = max_retries
        self.backoff = backoff
        self._sleep = sleep
        self._clock = clock
        self._last_request_at: float | None = None
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            headers={"User-Agent": user_agent, "Accept": "application/json", **(headers or {})},
            follow_redirects=True,
            transport=transport,
        )

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def get_json(self, path: str, params: QueryParams | None = None) -> Any:
        """GET `path` (relative to base_url) and decode the JSON body, retrying transient failures.

        Raises HarvestHTTPError when the request fails for good or the body is not JSON.
        """
        url = self._describe(path, params)
        response = self._get_with_retries(path, params, url)
        try:
            return response.json()
        except ValueError as exc:
            raise HarvestHTTPError(url, 1, f"response is not JSON ({exc})", response.status_code) from exc

    def _describe(self, path: str, params: QueryParams | None) -> str:
        request = self._client.build_request("GET", path, params=_clean_params(params))
        return str(request.url)

    def _get_with_retries(self, path: str, params: QueryParams | None, url: str) -> httpx.Response:
        attempts = self.max_retries + 1
        cause = ""
        status: int | None = None
        for attempt in range(1, attempts + 1):
            self._wait_for_slot()
            retry_after: float | None = None
            try:
                response = self._client.get(path, params=_clean_params(params))
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                cause = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                status = None
            else:
                if response.is_success:
                    return response
                status = response.status_code
                cause = f"HTTP {status}"
                if status not in RETRYABLE_STATUSES:
                    raise HarvestHTTPError(url, attempt, cause, status)
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if attempt < attempts:
                self._sleep(self._delay(attempt, retry_after))
        raise HarvestHTTPError(url, attempts, cause, status)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """Back-off before retry number `attempt`: the server's wish if it said one, else exponential."""
        if retry_after is not None:
            return retry_after
        return float(self.backoff * (2 ** (attempt - 1)))

    def _wait_for_slot(self) -> None:
        """Sleep so consecutive requests are at least min_interval apart."""
        now = self._clock()
        if self._last_request_at is not None:
            wait = self._last_request_at + self.min_interval - now
            if wait > 0:
                self._sleep(wait)
                now = self._clock()
        self._last_request_at = now


def _clean_params(params: QueryParams | None) -> dict[str, str] | None:
    """Drop None values and render booleans the way Java/Clojure backends expect ("true"/"false")."""
    if params is None:
        return None
    cleaned: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        cleaned[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return cleaned
