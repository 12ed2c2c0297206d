"""The catalogue filters, shared by the HTML list, the API, exports and search."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

START_PERIOD_RE = re.compile(r"^(?P<year>\d{4})(-(?P<season>spring|summer|autumn|winter))?$")


@dataclass(frozen=True)
class CatalogueFilters:
    country: str = ""  # FI, SE
    region: str = ""  # NUTS-3, e.g. FI1D9
    eqf_level: int | None = None
    credits_system: str = ""  # a CreditSystem value
    language: str = ""  # teaching language code
    mode: str = ""  # an Offering.Mode value
    start_period: str = ""  # "2027" or "2027-autumn" (matches Offering.start_year / start_season)
    open_for_exchange: bool | None = None
    provider: int | None = None  # Organisation id
    modified_since: dt.datetime | None = None

    @property
    def start_year_and_season(self) -> tuple[int | None, str]:
        match = START_PERIOD_RE.match(self.start_period or "")
        if not match:
            return None, ""
        return int(match["year"]), match["season"] or ""

    def is_empty(self) -> bool:
        return self == CatalogueFilters()


FACET_FIELDS = ("country", "region", "eqf_level", "credits_system", "language", "mode", "open_for_exchange")
