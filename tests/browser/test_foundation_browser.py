"""The foundation in a real browser: language switch, log in, edit an organisation, no CSP violations."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from battery_region.organisations.models import Organisation
from tests.factories import TEST_PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_password_hashing"),
]


def _sv(message: str) -> str:
    with translation.override("sv"):
        return translation.gettext(message)


def test_switch_language_log_in_and_edit_an_organisation(live_server, page, browser_log, editor_a, org_a):
    base = live_server.url

    # Start in English and switch to Swedish with the language switcher.
    page.goto(f"{base}/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator(".language-switcher").get_by_role("link", name="Svenska").click()
    expect(page).to_have_url(f"{base}/sv/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.locator("nav.main-nav, .main-nav")).to_contain_text(_sv("Organisations"))

    # Log in through the form as the editor of org A.
    page.locator('header a[href="/sv/accounts/login/"]').click()
    page.locator('input[name="username"]').fill(editor_a.user.email)
    page.locator('input[name="password"]').fill(TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/sv/accounts/profile/")

    # Open the organisation from the profile, then its edit page.
    page.locator('main a[href="/sv/organisations/osao-test/"]').click()
    expect(page).to_have_url(f"{base}/sv/organisations/osao-test/")
    expect(page.locator("h1")).to_have_text("OSAO test")
    page.locator('a[href="/sv/organisations/osao-test/edit/"]').click()
    expect(page).to_have_url(f"{base}/sv/organisations/osao-test/edit/")

    name_fi = page.locator('input[name="name_fi"]')
    expect(name_fi).to_have_value("OSAO testi")
    name_fi.fill("OSAO selaimesta")
    page.locator("main form").first.locator("button[type=submit]").click()

    expect(page).to_have_url(f"{base}/sv/organisations/osao-test/")
    expect(page.locator(".messages")).to_contain_text(_sv("The organisation was saved."))

    # The Finnish page shows the new Finnish name.
    page.locator(".language-switcher").get_by_role("link", name="Suomi").click()
    expect(page).to_have_url(f"{base}/fi/organisations/osao-test/")
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    expect(page.locator("h1")).to_have_text("OSAO selaimesta")
    assert Organisation.objects.get(pk=org_a.pk).name_fi == "OSAO selaimesta"

    assert browser_log.csp_violations() == []
    assert browser_log.errors() == []
    assert all(url.startswith(base) for url in browser_log.requests), browser_log.requests


def test_directory_filters_with_htmx_without_reloading(live_server, page, browser_log, org_a, org_b):
    page.goto(f"{live_server.url}/en/organisations/")
    page.wait_for_function("() => window.htmx !== undefined")  # our own static copy of htmx loaded
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(2)
    page.evaluate("() => { window.__notReloaded = true; }")

    page.locator('select[name="country"]').select_option("SE")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Skellefteå test")
    assert page.evaluate("() => window.__notReloaded === true")  # the fragment was swapped in
    expect(page).to_have_url(re.compile(r"/en/organisations/\?.*country=SE"))

    assert browser_log.csp_violations() == []
    assert browser_log.errors() == []
