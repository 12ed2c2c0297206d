"""Public skills pages (fi/sv/en), programmes grouped by country, exchange places, and skill coverage."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone

from battery_region.catalogue.models import Offering, Programme
from battery_region.skills.models import EscoConcept, ProgrammeTag, Role
from battery_region.skills.selectors import role_coverage, value_chain_overview
from tests.organisations.helpers import text_of
from tests.skills.conftest import (
    ASSEMBLE_BATTERIES,
    BATTERY_CHEMISTRY,
    BATTERY_COMPONENTS,
    make_offering,
    make_programme,
)

pytestmark = pytest.mark.django_db


@dataclass
class World:
    role: Role
    fi_programme: Programme
    se_programme: Programme
    hidden_programme: Programme
    cancelled_programme: Programme


def _accept(programme: Programme, **target: object) -> ProgrammeTag:
    return ProgrammeTag.objects.create(
        programme=programme, status="accepted", origin="manual", decided_at=timezone.now(), **target
    )


@pytest.fixture
def world(esco, roles, org_a, org_b) -> World:
    role = Role.objects.get(slug="cell-production-operator")
    chemistry = EscoConcept.objects.get(uri=BATTERY_CHEMISTRY)
    assemble = EscoConcept.objects.get(uri=ASSEMBLE_BATTERIES)
    components = EscoConcept.objects.get(uri=BATTERY_COMPONENTS)

    fi = make_programme(org_a, title_fi="Akkukennojen valmistus", title_en="Battery cell manufacturing", eqf_level=4)
    make_offering(fi, "FI1D9")
    se = make_programme(
        org_b, title_fi="Battericelltillverkning (fi)", title_sv="Battericelltillverkning", title_en="Cell making"
    )
    make_offering(se, "SE331", open_for_exchange=True, exchange_places=3)
    hidden = make_programme(org_a, title_fi="Luonnos", published=False)
    make_offering(hidden, "FI1D9")
    cancelled = make_programme(org_a, title_fi="Peruttu koulutus")
    make_offering(cancelled, "FI1D9", status=Offering.Status.CANCELLED)

    for programme in (fi, se, hidden, cancelled):
        _accept(programme, role=role)
    _accept(fi, skill=chemistry)
    _accept(se, skill=assemble)
    _accept(hidden, skill=components)  # unpublished programme: covers nothing
    _accept(cancelled, skill=components)  # no running offering: covers nothing
    ProgrammeTag.objects.create(programme=fi, skill=components, status="suggested", origin="suggestion")
    return World(role, fi, se, hidden, cancelled)


def _uncovered(coverage) -> set[str]:
    return {item.link.skill_uri for item in coverage.uncovered}


def test_coverage_per_region_and_for_both_regions(world):
    fi = role_coverage(world.role, "FI1D9")
    assert fi.regions == ["FI1D9"]
    assert BATTERY_CHEMISTRY not in _uncovered(fi)
    assert {ASSEMBLE_BATTERIES, BATTERY_COMPONENTS} <= _uncovered(fi)

    se = role_coverage(world.role, "SE331")
    assert ASSEMBLE_BATTERIES not in _uncovered(se)
    assert BATTERY_CHEMISTRY in _uncovered(se)

    both = role_coverage(world.role)
    assert both.regions == ["FI1D9", "SE331"]
    covered = {item.link.skill_uri: item.covered_in for item in both.covered}
    assert covered == {BATTERY_CHEMISTRY: ["FI1D9"], ASSEMBLE_BATTERIES: ["SE331"]}
    # battery components is only suggested, or taught by unpublished/cancelled programmes; others aren't imported
    assert BATTERY_COMPONENTS in _uncovered(both)
    assert len(both.skills) == world.role.skill_links.filter(importance="essential").count()


def test_overview_counts_programmes_per_country(world):
    stages = value_chain_overview()
    assert [row.stage.slug for row in stages][:2] == ["raw-materials", "refining"]
    cell = next(row for row in stages if row.stage.slug == "cell-manufacturing")
    item = next(r for r in cell.roles if r.role.slug == "cell-production-operator")
    assert item.programmes_by_country == {"FI": 2, "SE": 1}  # the cancelled-offering programme is still published
    assert cell.programmes_by_country == {"FI": 2, "SE": 1}


@pytest.mark.parametrize(
    ("lang", "stage_name", "role_name"),
    [
        ("fi", "Kennovalmistus", "Akkukennotuotannon operaattori"),
        ("sv", "Celltillverkning", "Operatör i battericellstillverkning"),
        ("en", "Cell manufacturing", "Cell production operator"),
    ],
)
def test_overview_page_in_each_language(client, world, lang, stage_name, role_name):
    response = client.get(f"/{lang}/skills/")
    assert response.status_code == 200
    body = text_of(response)
    assert stage_name in body and role_name in body
    assert f'href="/{lang}/skills/roles/cell-production-operator/"' in body


def test_role_page_shows_skills_programmes_by_country_exchange_places_and_coverage(client, world):
    response = client.get("/en/skills/roles/cell-production-operator/")
    assert response.status_code == 200
    body = text_of(response)
    assert "Runs and watches the machines" in body  # what the role does
    assert "battery assembler" in body  # ESCO occupation
    assert "battery chemistry" in body and "/en/skills/esco/skills/84cc8c9d-db57-42ec-8948-9b632bf06124/" in body
    assert "ESCO not imported yet" in body  # skills the small fixture package lacks
    assert "Finland" in body and "Sweden" in body
    assert world.fi_programme.get_absolute_url() in body
    assert world.se_programme.get_absolute_url() in body
    assert world.hidden_programme.get_absolute_url() not in body
    assert "3 places" in body
    assert "Source:" in body and "skills-demand.md" in body
    assert "essential skills are not covered by any published programme in either region" in body

    response = client.get("/en/skills/roles/cell-production-operator/?region=SE331")
    body = text_of(response)
    assert "not covered by any published programme in SE331" in body


def test_role_page_in_finnish_and_swedish_uses_translated_names(client, world):
    assert "Akkukennotuotannon operaattori" in text_of(client.get("/fi/skills/roles/cell-production-operator/"))
    body = text_of(client.get("/sv/skills/roles/cell-production-operator/"))
    assert "Operatör i battericellstillverkning" in body
    assert "Battericelltillverkning" in body  # the programme's Swedish title


def test_role_page_rejects_a_bad_region_gently_and_unknown_roles_404(client, world):
    response = client.get("/en/skills/roles/cell-production-operator/?region=Oulu")
    assert response.status_code == 200
    assert "Select a valid choice" in text_of(response)
    assert client.get("/en/skills/roles/nope/").status_code == 404


def test_skill_page_lists_programmes_that_teach_it_and_roles_that_need_it(client, world):
    response = client.get("/en/skills/esco/skills/84cc8c9d-db57-42ec-8948-9b632bf06124/")
    assert response.status_code == 200
    body = text_of(response)
    assert "battery chemistry" in body
    assert world.fi_programme.get_absolute_url() in body
    assert world.se_programme.get_absolute_url() not in body
    assert "Cell production operator" in body
    assert "chemistry of batteries" in body  # alternative labels
    assert client.get("/en/skills/esco/skills/00000000-0000-0000-0000-000000000000/").status_code == 404
    # occupations have no skill page
    assert client.get("/en/skills/esco/skills/718bba63-75b7-4b3a-9912-e201b729fe4c/").status_code == 404


def test_pages_work_before_esco_is_imported(client, roles):
    assert client.get("/en/skills/").status_code == 200
    body = text_of(client.get("/en/skills/roles/formation-operator/"))
    assert "battery test technician" in body and "ESCO not imported yet" in body
