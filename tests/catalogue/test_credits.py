from decimal import Decimal

import pytest

from battery_region.catalogue.credits import ects_equivalent, full_time_equivalent


@pytest.mark.parametrize(
    ("value", "system", "years", "approximate"),
    [
        (60, "ects", Decimal("1.0"), False),
        (240, "fi_op", Decimal("4.0"), False),
        (7.5, "se_hp", Decimal("0.1"), False),
        (400, "se_yhp", Decimal("2.0"), False),
        (800, "se_gyp", Decimal("1.0"), False),
        (20, "weeks", Decimal("0.5"), False),
        (180, "fi_osp", Decimal("3.0"), True),
    ],
)
def test_full_time_equivalent_uses_official_rates(value, system, years, approximate):
    result = full_time_equivalent(value, system)
    assert result is not None
    assert result.years == years
    assert result.approximate is approximate


def test_no_equivalent_without_an_official_rate():
    assert full_time_equivalent(300, "hours") is None
    assert full_time_equivalent(None, "ects") is None
    assert full_time_equivalent(10, "unknown") is None


def test_competence_points_are_never_ects():
    assert ects_equivalent(180, "fi_osp") is None
    assert ects_equivalent(400, "se_yhp") == Decimal("120.0")
    assert ects_equivalent(Decimal("7.5"), "se_hp") == Decimal("7.5")
    assert ects_equivalent(1000, "se_gyp") is None
