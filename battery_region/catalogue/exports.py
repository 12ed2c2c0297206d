"""Open-data exports of the catalogue: CSV and XLSX of any filtered list, ELM v3 JSON-LD of one offering."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _

from battery_region.catalogue.models import Offering
from battery_region.core.translation import translated_value

# (column key, header label); headers are in the user's language, keys stay stable for machines.
COLUMNS: list[tuple[str, Any]] = [
    ("offering_id", _("Offering id")),
    ("programme_id", _("Programme id")),
    ("title_fi", _("Title (Finnish)")),
    ("title_sv", _("Title (Swedish)")),
    ("title_en", _("Title (English)")),
    ("provider", _("Provider")),
    ("country", _("Country")),
    ("region", _("Region")),
    ("municipality_code", _("Municipality code")),
    ("eqf_level", _("EQF level")),
    ("isced_fields", _("ISCED-F fields")),
    ("credits_value", _("Credits")),
    ("credits_system", _("Credit system")),
    ("full_time_years", _("Full-time years")),
    ("full_time_approximate", _("Full-time years approximate")),
    ("teaching_languages", _("Teaching languages")),
    ("mode", _("Mode")),
    ("start_precision", _("Start")),
    ("start_date", _("Start date")),
    ("start_year", _("Start year")),
    ("start_season", _("Start season")),
    ("end_date", _("End date")),
    ("places", _("Places")),
    ("open_for_exchange", _("Open for exchange")),
    ("exchange_places", _("Exchange places")),
    ("application_opens", _("Application opens")),
    ("application_closes", _("Application closes")),
    ("url", _("Web page")),
    ("source", _("Source")),
    ("source_id", _("Source id")),
    ("source_url", _("Source URL")),
    ("updated_at", _("Updated")),
]


def offering_row(offering: Offering) -> dict[str, Any]:
    programme = offering.programme
    window = next(iter(offering.application_windows.all()), None)
    full_time = programme.full_time
    return {
        "offering_id": offering.pk,
        "programme_id": programme.pk,
        "title_fi": offering.title_fi or programme.title_fi,
        "title_sv": offering.title_sv or programme.title_sv,
        "title_en": offering.title_en or programme.title_en,
        "provider": translated_value(offering.provider, "name"),
        "country": offering.country,
        "region": offering.region,
        "municipality_code": offering.municipality_code,
        "eqf_level": programme.eqf_level,
        "isced_fields": " ".join(f.code for f in programme.isced_fields.all()),
        "credits_value": programme.credits_value,
        "credits_system": programme.credits_system,
        "full_time_years": full_time.years if full_time else None,
        "full_time_approximate": full_time.approximate if full_time else None,
        "teaching_languages": offering.teaching_languages,
        "mode": offering.mode,
        "start_precision": offering.start_precision,
        "start_date": offering.start_date,
        "start_year": offering.start_year,
        "start_season": offering.start_season,
        "end_date": offering.end_date,
        "places": offering.places,
        "open_for_exchange": offering.open_for_exchange,
        "exchange_places": offering.exchange_places,
        "application_opens": window.opens if window else None,
        "application_closes": window.closes if window else None,
        "url": offering.url,
        "source": offering.source,
        "source_id": offering.source_id,
        "source_url": offering.source_url,
        "updated_at": offering.updated_at,
    }


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _csv_safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas in exported text (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(offerings: Iterable[Offering]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # BOM so spreadsheet programs read UTF-8 correctly
    yield writer.writerow([key for key, _label in COLUMNS])
    yield writer.writerow([str(label) for _key, label in COLUMNS])
    for offering in offerings:
        row = offering_row(offering)
        yield writer.writerow([_csv_safe(_cell(row[key])) for key, _label in COLUMNS])


def offerings_csv_response(offerings: Iterable[Offering]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(offerings), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="battery-region-offerings.csv"'
    return response


def offerings_xlsx_bytes(offerings: Iterable[Offering]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("offerings")
    sheet.append([key for key, _label in COLUMNS])
    sheet.append([str(label) for _key, label in COLUMNS])
    for offering in offerings:
        row = offering_row(offering)
        values = []
        for key, _label in COLUMNS:
            value = row[key]
            if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
                value = value.replace(tzinfo=None)  # Excel has no time zones
            values.append(_csv_safe(value) if isinstance(value, str) else value)
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def offerings_xlsx_response(offerings: Iterable[Offering]) -> HttpResponse:
    response = HttpResponse(
        offerings_xlsx_bytes(offerings),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="battery-region-offerings.xlsx"'
    return response
