"""Fixtures of the skills tests: the small ESCO package, loaded roles, programmes with offerings."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from battery_region.catalogue.models import Offering, Programme
from battery_region.organisations.models import Organisation
from battery_region.skills.importers.esco import import_esco
from battery_region.skills.services import roles_load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "esco"
GOOD = FIXTURES / "good"
SHARED_ESCO = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "esco" / "v1.1.1"

E = "http://data.europa.eu/esco/"
BATTERY_ASSEMBLER = E + "occupation/718bba63-75b7-4b3a-9912-e201b729fe4c"
BATTERY_TEST_TECHNICIAN = E + "occupation/43eb6228-8241-47d6-875e-7ccc214291d5"
BATTERY_CHEMISTRY = E + "skill/84cc8c9d-db57-42ec-8948-9b632bf06124"
BATTERY_COMPONENTS = E + "skill/8cf03262-b6b0-4fe8-9d66-91063bb32db3"
ASSEMBLE_BATTERIES = E + "skill/42f92768-cc76-488d-a721-e90c59ccaade"
OPERATE_TEST_EQUIPMENT = E + "skill/7c8a86b2-b0ae-4969-901a-5949d9974755"
ELECTROCHEMISTRY = E + "skill/88ab3a3a-f318-41b3-bdf6-07dc33c75352"
ENERGY_STORAGE = E + "skill/6c6daac0-80f5-431f-a33f-c5b722094657"


def package_with(tmp_path: Path, *overlays: str) -> Path:
    """A copy of the good package with the files of `bad/<overlay>/` (or any fixture folder) laid over it."""
    target = tmp_path / "esco"
    shutil.copytree(GOOD, target)
    for name in overlays:
        shutil.copytree(FIXTURES / name, target, dirs_exist_ok=True)
    return target


@pytest.fixture
def esco(db: Any) -> None:
    """The small English package imported."""
    import_esco(GOOD)


@pytest.fixture
def roles(db: Any) -> None:
    roles_load()


def make_programme(provider: Organisation, **fields: Any) -> Programme:
    values: dict[str, Any] = {
        "title_fi": "Akkuteollisuuden koulutus",
        "title_sv": "Utbildning för batteriindustrin",
        "title_en": "Battery industry training",
        "eqf_level": 4,
        "published": True,
    }
    values.update(fields)
    return Programme.objects.create(provider=provider, **values)


def make_offering(programme: Programme, region: str, **fields: Any) -> Offering:
    values: dict[str, Any] = {
        "country": region[:2],
        "region": region,
        "status": Offering.Status.PUBLISHED,
        "place_name": {"FI1D9": "Oulu", "SE331": "Skellefteå"}.get(region, region),
    }
    values.update(fields)
    return Offering.objects.create(programme=programme, provider=programme.provider, **values)
