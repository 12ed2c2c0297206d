"""Property: whatever bytes arrive, an import either succeeds whole or changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from battery_region.catalogue.importers.base import get_parser
from battery_region.catalogue.importers.writer import run_import
from battery_region.catalogue.models import Offering, Programme
from battery_region.organisations.models import Organisation

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "opintopolku" / "toteutus-ihan-tavanomainen.json"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)


def _counts() -> tuple[int, int, int]:
    return Programme.objects.count(), Offering.objects.count(), Organisation.objects.count()


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fmt=st.sampled_from(["opintopolku", "susa-emil3", "elm", "spreadsheet"]),
    payload=st.one_of(st.binary(max_size=300), json_values.map(lambda v: json.dumps(v).encode())),
    keep_valid_document=st.booleans(),
)
def test_an_import_of_random_input_is_all_or_nothing(tmp_path_factory, fmt, payload, keep_valid_document):
    directory = tmp_path_factory.mktemp("random")
    files = [directory / "random.input"]
    files[0].write_bytes(payload)
    if keep_valid_document:  # a good document next to a bad one must not be written alone
        files.append(directory / "good.json")
        files[1].write_bytes(SAMPLE.read_bytes())
    parse = get_parser(fmt)
    before = _counts()
    report = run_import(lambda: (item for path in files for item in parse(path)))
    if not report.ok:
        assert _counts() == before
