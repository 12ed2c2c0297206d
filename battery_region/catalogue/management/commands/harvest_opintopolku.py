"""python manage.py harvest_opintopolku [--base-url URL] [--since YYYY-MM-DD] [--dry-run]

Harvests konfo-backend once into a disk spool (`importers.spool.Spool`): the writer reads its input twice
(validate, then write), and fetching every document from OPH twice would double the load on a public API.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from battery_region.catalogue.harvesters.opintopolku import DEFAULT_BASE_URL, harvest_opintopolku
from battery_region.catalogue.importers.spool import Spool
from battery_region.catalogue.importers.writer import run_import
from battery_region.catalogue.management.commands.import_offerings import print_report


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--since: {value!r} is not a date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = "Harvest published Finnish offerings from Opintopolku (konfo-backend /external) into the catalogue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default=DEFAULT_BASE_URL, help="konfo-backend root URL.")
        parser.add_argument("--since", type=_date, default=None, help="Skip documents not modified since this date.")
        parser.add_argument("--dry-run", action="store_true", help="Harvest and validate, write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        harvest_bar = tqdm(desc="harvest", unit="koulutus", disable=None, leave=False)

        def on_hit(done: int, total: int | None) -> None:
            if total is not None and harvest_bar.total != total:
                harvest_bar.total = total
            harvest_bar.update(done - harvest_bar.n)

        harvest = harvest_opintopolku(base_url=options["base_url"], since=options["since"], progress=on_hit)
        try:
            with Spool(harvest) as spool:
                harvest_bar.close()
                write_bar = tqdm(total=spool.count * 2, desc="validate → write", unit="rec", disable=None, leave=False)
                last = [0]

                def on_record(n: int) -> None:
                    write_bar.update(n - last[0] if n >= last[0] else n)
                    last[0] = n

                report = run_import(spool, dry_run=options["dry_run"], progress=on_record, label="harvest:opintopolku")
                write_bar.close()
        finally:
            harvest_bar.close()
        self.stdout.write(f"read {report.records_read} records from {options['base_url']}")
        print_report(self, report)
        if not report.ok:
            raise CommandError(f"{len(report.problems) + report.problems_omitted} problem(s): nothing was imported.")
        self.stdout.write(self.style.SUCCESS("Harvest complete."))
