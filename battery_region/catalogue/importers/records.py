"""Typed records that every parser yields and the one writer consumes.

Parsers (opintopolku, susa_emil3, spreadsheet, elm) read a file as a *stream* and yield `ProviderRecord`,
`ProgrammeRecord`, `OfferingRecord` or `Problem` items. They never touch the database. Each record carries
`ref`, a human locator for error reports ("line 12", "koulutus 1.2.246.562.13.00000000000000001293",
"$.items[3]"), and the parsed original in `raw` (JSON-able dict) for provenance.

Normalisation done by parsers (so the writer stays format-agnostic):
- text fields are dicts {"fi": str, "sv": str, "en": str} (missing languages omitted or "");
  ISO 639-2 codes (fin/swe/eng) are mapped to 639-1; HTML is kept as given (sanitised on display);
- ISCED-F codes are bare 2–4 digit strings ("0713"); levels are ints; credits are Decimal + a
  `battery_region.catalogue.credits.CreditSystem` value;
- municipality codes are namespaced ("FI-kunta:564", "SE-kommun:2482"); countries are ISO 3166 alpha-2;
- dates are `datetime.date`; instants are timezone-aware `datetime.datetime`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, fields
from dataclasses import field as _field
from decimal import Decimal
from functools import cache
from typing import Any

Text = dict[str, str]


@cache
def _field_names(cls: Any) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


@cache
def _field_values(cls: Any) -> Callable[[Any], tuple[Any, ...]]:
    """A record's field values as a tuple, in declaration order, in one C call."""
    from battery_region.catalogue.importers.fast_insert import tuple_getter  # fast_insert imports Django

    return tuple_getter(_field_names(cls))


def _rebuild(cls: type, values: tuple[Any, ...]) -> Any:
    record: Any = object.__new__(cls)
    record.__dict__.update(zip(_field_names(cls), values, strict=True))
    return record


class Spoolable:
    """Records pickle as (class, field values): about twice as fast as the default, which matters because the
    import writer spools every record to disk between its validation and write passes."""

    def __reduce__(self) -> tuple[Any, ...]:
        cls: Any = type(self)
        return (_rebuild, (cls, _field_values(cls)(self)))

    def copy(self) -> Any:
        """A shallow copy (cheaper than dataclasses.replace, which runs __init__ again)."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone


@dataclass
class Problem:
    """One reason a record cannot be imported: where (ref), which field, and why (a translatable message).

    `message` is an English msgid marked with gettext_noop/gettext_lazy in the parser and `params` fills its
    %(name)s placeholders, so the report is shown in the user's language.
    """

    ref: str
    field: str
    message: str
    params: dict[str, Any] = _field(default_factory=dict)
    code: str = "invalid"


@dataclass
class ProviderRecord(Spoolable):
    source: str
    source_id: str
    ref: str
    name: Text
    kind: str = "education_provider"  # an Organisation.Kind value
    country: str = ""
    region: str = ""  # NUTS-3 where known
    municipality_code: str = ""
    website: str = ""
    description: Text = _field(default_factory=dict)
    raw: dict[str, Any] = _field(default_factory=dict)


@dataclass
class ApplicationWindowRecord(Spoolable):
    opens: dt.datetime | None = None
    closes: dt.datetime | None = None
    continuous: bool = False
    url: str = ""
    entry_requirements: Text = _field(default_factory=dict)


@dataclass
class ProgrammeRecord(Spoolable):
    source: str
    source_id: str
    ref: str
    title: Text
    provider_source_id: str  # the provider in the same source (ProviderRecord.source_id or known Organisation)
    description: Text = _field(default_factory=dict)
    learning_outcomes: Text = _field(default_factory=dict)
    qualification_title: Text = _field(default_factory=dict)
    kind: str = "programme"  # a Programme.Kind value
    national_type: str = ""
    national_code: str = ""
    is_vocational: bool = False
    leads_to_qualification: bool = False
    isced_fields: list[str] = _field(default_factory=list)
    isced_level: int | None = None
    eqf_level: int | None = None
    nqf_level: int | None = None
    nqf_framework: str = ""
    credits_value: Decimal | None = None
    credits_min: Decimal | None = None
    credits_max: Decimal | None = None
    credits_system: str = ""
    keywords: list[str] = _field(default_factory=list)
    source_url: str = ""
    source_modified: dt.datetime | None = None
    published: bool = True
    raw: dict[str, Any] = _field(default_factory=dict)


@dataclass
class OfferingRecord(Spoolable):
    source: str
    source_id: str
    ref: str
    programme_source_id: str
    provider_source_id: str
    title: Text = _field(default_factory=dict)
    description: Text = _field(default_factory=dict)
    teaching_languages: list[str] = _field(default_factory=list)
    country: str = ""
    region: str = ""
    municipality_code: str = ""
    place_name: str = ""
    start_precision: str = "exact"  # exact | season | individual | continuous
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    start_year: int | None = None
    start_season: str = ""  # spring | summer | autumn | winter
    duration: str = ""  # ISO 8601, e.g. "P2Y"
    pace: str = ""  # full_time | part_time | self_paced
    pace_percent: int | None = None
    mode: str = ""  # presential | online | blended | work_based
    fee_amount: Decimal | None = None
    fee_currency: str = ""
    places: int | None = None
    status: str = "published"  # draft | published | cancelled | archived
    open_for_exchange: bool = False
    exchange_places: int | None = None
    url: str = ""
    source_url: str = ""
    source_modified: dt.datetime | None = None
    application_windows: list[ApplicationWindowRecord] = _field(default_factory=list)
    raw: dict[str, Any] = _field(default_factory=dict)


ParsedItem = ProviderRecord | ProgrammeRecord | OfferingRecord | Problem
