"""Playwright (sync API) driving Debian's Chromium; never `playwright install`.

Playwright's sync API keeps an asyncio loop running in the test thread, so Django's async-safety check would
refuse the ORM calls of the tests themselves; they are plain synchronous code, hence DJANGO_ALLOW_ASYNC_UNSAFE
while (and only while) the browser is open: the variable must never reach a deployment check.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One Chromium shared by every browser test."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (Debian package `chromium`)")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class BrowserLog:
    """What the page said while the test ran: console messages, script errors and requested URLs."""

    console: list[tuple[str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [
            text
            for _kind, text in self.console
            if "content security policy" in text.lower() or "content-security-policy" in text.lower()
        ]

    def errors(self) -> list[str]:
        return [text for kind, text in self.console if kind == "error"] + self.page_errors


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def page(browser: Any, browser_log: BrowserLog) -> Iterator[Any]:
    """A fresh browser context (no cookies) whose console output is recorded in `browser_log`."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda message: browser_log.console.append((message.type, message.text)))
    page.on("pageerror", lambda error: browser_log.page_errors.append(str(error)))
    page.on("request", lambda request: browser_log.requests.append(request.url))
    try:
        yield page
    finally:
        context.close()
