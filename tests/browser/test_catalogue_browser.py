"""A student searches the catalogue as they type, across languages, and opens the other country's options."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from battery_region.search.indexing import index_offerings
from tests.catalogue.factories import OfferingFactory, ProgrammeFactory

pytestmark = pytest.mark.browser


def test_search_as_you_type_across_languages_and_study_abroad(live_server, page, browser_log, org_a, org_b):
    finnish = ProgrammeFactory(provider=org_a, title_fi="Akkukennojen valmistus", title_en="Battery cell manufacturing")
    finnish.isced_fields.create(code="0711")
    swedish = ProgrammeFactory(
        provider=org_b, title_sv="Battericellstillverkning", title_en="Battery cell production", title_fi="Akkutuotanto"
    )
    swedish.isced_fields.add(finnish.isced_fields.get())
    OfferingFactory(programme=finnish)
    OfferingFactory(programme=swedish, country="SE", region="SE331", open_for_exchange=True, exchange_places=2)
    index_offerings(
        list(finnish.offerings.values_list("pk", flat=True)) + list(swedish.offerings.values_list("pk", flat=True))
    )

    page.goto(f"{live_server.url}/sv/catalogue/")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.__notReloaded = true; }")
    page.locator("#id_q").fill("akkukennojen valmistus")  # a Finnish query on the Swedish page
    results = page.locator("#results .result-title")
    expect(results.filter(has_text="Battericellstillverkning")).to_have_count(1)
    assert page.evaluate("() => window.__notReloaded === true")
    expect(page).to_have_url(re.compile(r"/sv/catalogue/\?.*q=akkukennojen"))

    page.goto(f"{live_server.url}/en/catalogue/programmes/{finnish.pk}/")
    page.get_by_role("button", name="Study this in the other country").click()
    expect(page.locator("table.compare")).to_contain_text("Battery cell production")
    expect(page.locator("table.compare")).to_contain_text("Open for exchange")

    assert browser_log.csp_violations() == []
    assert browser_log.errors() == []


def test_search_works_without_javascript(live_server, browser, org_a):
    ProgrammeFactory(provider=org_a, title_en="Battery recycling")
    offering = OfferingFactory(programme__provider=org_a, programme__title_en="Battery recycling basics")
    index_offerings([offering.pk])
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/en/catalogue/")
    page.locator("#id_q").fill("recycling")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#results")).to_contain_text("Battery recycling basics")
    context.close()
