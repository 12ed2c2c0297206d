"""Credit systems and their full-time equivalence (pure: no ORM).

Only official rates are used (`reference/education-data.md` §4.1):
60 ECTS = 60 op = 60 hp = 200 YH-poäng = one full-time year; one week = 1.5 hp = 5 YH-poäng = 20 Komvux
gymnasiepoäng, and a study year is 40 weeks. Finnish osaamispisteet measure competence, not workload: the
ECVET convention (60 points ≈ one year of full-time VET) gives an *approximate* duration only, and osp are
never converted to ECTS.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum


class CreditSystem(StrEnum):
    ECTS = "ects"
    FI_OP = "fi_op"  # opintopiste, equal to ECTS by law
    SE_HP = "se_hp"  # högskolepoäng, 1.5 per full-time week
    FI_OSP = "fi_osp"  # osaamispiste, competence-based
    SE_YHP = "se_yhp"  # yrkeshögskolepoäng, 5 per full-time week
    SE_GYP = "se_gyp"  # gymnasiepoäng (Komvux), 20 per full-time week
    HOURS = "hours"
    WEEKS = "weeks"


# Units per full-time year where an official rate exists.
_PER_YEAR: dict[CreditSystem, Decimal] = {
    CreditSystem.ECTS: Decimal(60),
    CreditSystem.FI_OP: Decimal(60),
    CreditSystem.SE_HP: Decimal(60),
    CreditSystem.SE_YHP: Decimal(200),
    CreditSystem.SE_GYP: Decimal(800),  # 20 points a week x 40 weeks
    CreditSystem.WEEKS: Decimal(40),
}
# Systems whose unit is an ECTS credit by definition or by an official workload rate.
_ECTS_PER_UNIT: dict[CreditSystem, Decimal] = {
    CreditSystem.ECTS: Decimal(1),
    CreditSystem.FI_OP: Decimal(1),
    CreditSystem.SE_HP: Decimal(1),
    CreditSystem.SE_YHP: Decimal("0.3"),
}
ECVET_POINTS_PER_YEAR = Decimal(60)


@dataclass(frozen=True)
class FullTimeEquivalent:
    years: Decimal
    weeks: Decimal
    approximate: bool  # True when only a convention (ECVET for osp) supports the figure


def _round(value: Decimal, places: str = "0.1") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def full_time_equivalent(value: Decimal | int | float | None, system: str) -> FullTimeEquivalent | None:
    """Nominal full-time duration of `value` credits, or None where no rate exists (e.g. hours)."""
    if value is None or value < 0:
        return None
    amount = Decimal(str(value))
    try:
        kind = CreditSystem(system)
    except ValueError:
        return None
    if kind is CreditSystem.FI_OSP:
        years = amount / ECVET_POINTS_PER_YEAR
        return FullTimeEquivalent(years=_round(years), weeks=_round(years * 40, "1"), approximate=True)
    per_year = _PER_YEAR.get(kind)
    if per_year is None:
        return None
    years = amount / per_year
    return FullTimeEquivalent(years=_round(years), weeks=_round(years * 40, "1"), approximate=False)


def ects_equivalent(value: Decimal | int | float | None, system: str) -> Decimal | None:
    """The value in ECTS credits where an official equivalence exists; never for osaamispisteet."""
    if value is None:
        return None
    try:
        rate = _ECTS_PER_UNIT.get(CreditSystem(system))
    except ValueError:
        return None
    if rate is None:
        return None
    return _round(Decimal(str(value)) * rate)
