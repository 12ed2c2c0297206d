"""The public organisation directory: filters, the htmx fragment and the detail page."""

from __future__ import annotations

import html

import pytest
from django.utils import timezone

from battery_region.organisations.models import Organisation
from tests.factories import ContactPointFactory, OrganisationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def directory_orgs(org_a, org_b):
    """org_a: FI education provider in FI1D9; org_b: SE municipality in SE331; plus two more."""
    university = OrganisationFactory(
        slug="oulun-yliopisto-test",
        name_fi="Oulun yliopisto testi",
        name_sv="Uleåborgs universitet test",
        name_en="University of Oulu test",
        kind=Organisation.Kind.UNIVERSITY,
        country="FI",
        region="FI1D9",
    )
    lapland = OrganisationFactory(
        slug="lappi-test",
        name_fi="Lapin ammattiopisto testi",
        name_sv="Lapplands yrkesinstitut test",
        name_en="Lapland vocational test",
        kind=Organisation.Kind.EDUCATION_PROVIDER,
        country="FI",
        region="FI1D7",
        municipality_code="FI-kunta:698",
    )
    return {"osao": org_a, "skelleftea": org_b, "university": university, "lapland": lapland}


def _shown(response, orgs) -> set[str]:
    body = _text(response)
    return {key for key, org in orgs.items() if f'href="{org.get_absolute_url()}"' in body}


def test_directory_lists_every_organisation_without_filters(anonymous, directory_orgs):
    response = anonymous.get("/en/organisations/")
    assert response.status_code == 200
    assert _shown(response, directory_orgs) == set(directory_orgs)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=SE", {"skelleftea"}),
        ("country=FI", {"osao", "university", "lapland"}),
        ("kind=university", {"university"}),
        ("kind=education_provider", {"osao", "lapland"}),
        ("region=FI1D7", {"lapland"}),
        ("region=SE331", {"skelleftea"}),
        ("q=yliopisto", {"university"}),  # Finnish name
        ("q=lapplands", {"lapland"}),  # Swedish name, other case
        ("q=skellefte", {"skelleftea"}),
        ("country=FI&kind=education_provider&region=FI1D9", {"osao"}),
        ("country=SE&kind=university", set()),
    ],
)
def test_directory_filters(anonymous, directory_orgs, query, expected):
    response = anonymous.get(f"/en/organisations/?{query}")
    assert response.status_code == 200
    assert _shown(response, directory_orgs) == expected


def test_directory_without_matches_says_so(anonymous, directory_orgs):
    response = anonymous.get("/en/organisations/?q=no-such-organisation")
    assert _shown(response, directory_orgs) == set()
    assert "No organisations match these filters." in _text(response)


def test_htmx_request_returns_only_the_results_fragment(anonymous, directory_orgs):
    response = anonymous.get("/en/organisations/?country=SE", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = _text(response)
    assert "<html" not in body
    assert "<form" not in body
    assert "<table>" in body
    assert _shown(response, directory_orgs) == {"skelleftea"}

    full = _text(anonymous.get("/en/organisations/?country=SE"))
    assert "<html" in full
    assert 'id="results"' in full


def test_directory_paginates(anonymous):
    OrganisationFactory.create_batch(31)
    first = _text(anonymous.get("/en/organisations/"))
    assert "Page 1 of 2" in first
    second = anonymous.get("/en/organisations/?page=2")
    assert second.status_code == 200
    assert "Page 2 of 2" in _text(second)


def test_detail_shows_only_consented_contact_points(anonymous, org_a):
    ContactPointFactory(organisation=org_a, name="Paula Public", email="paula@example.org")
    ContactPointFactory(
        organisation=org_a,
        name="Nora Noconsent",
        email="nora@example.org",
        consent_given=False,
        consent_date=None,
    )
    ContactPointFactory(
        organisation=org_a,
        name="Wilma Withdrawn",
        email="wilma@example.org",
        consent_withdrawn_at=timezone.now(),
    )
    response = anonymous.get("/en/organisations/osao-test/")
    assert response.status_code == 200
    body = _text(response)
    assert "OSAO test" in body
    assert "Paula Public" in body
    assert "paula@example.org" in body
    for hidden in ("Nora Noconsent", "nora@example.org", "Wilma Withdrawn", "wilma@example.org"):
        assert hidden not in body


def test_detail_unknown_slug_is_404(anonymous, org_a):
    assert anonymous.get("/fi/organisations/no-such-organisation/").status_code == 404


def test_detail_shows_edit_link_only_to_editors(anonymous, editor_a, editor_b):
    edit_href = 'href="/en/organisations/osao-test/edit/"'
    assert edit_href in _text(editor_a.get("/en/organisations/osao-test/"))
    assert edit_href not in _text(editor_b.get("/en/organisations/osao-test/"))
    assert edit_href not in _text(anonymous.get("/en/organisations/osao-test/"))
