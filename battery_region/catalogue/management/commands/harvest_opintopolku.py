"""python manage.py harvest_opintopolku [--base-url URL] [--since YYYY-MM-DD] [--dry-run]

Harvests konfo-backend once, spooling the parsed items to a temporary file: the writer reads its input twice
(validate, then write), and fetching every document from OPH twice would double the load on a public API.
"""

from __future__ import annotations

import datetime as dt
import pickle
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from battery_region.catalogue.harvesters.opintopolku import DEFAULT_BASE_URL, harvest_opintopolku
from battery_region.catalogue.importers.records import ParsedItem
from battery_region.catalogue.importers.writer import run_import
from battery_region.catalogue.management.commands.import_offerings import print_report


class SpooledItems:
    """A zero-argument callable giving the items of `produce()`: live the first time, replayed from disk after.

    The spool is a temporary file this process writes and reads back itself (pickle of our own records), so it
    never holds data from anywhere else; it is deleted when the object is closed.
    """

    def __init__(self, produce: Callable[[], Iterator[ParsedItem]]) -> None:
        self._produce = produce
        self._spool: IO[bytes] = tempfile.TemporaryFile(prefix="harvest-opintopolku-")
        self._complete = False

    def __call__(self) -> Iterator[ParsedItem]:
        return self._replay() if self._complete else self._record()

    def _record(self) -> Iterator[ParsedItem]:
        self._spool.seek(0)
        self._spool.truncate()
        for item in self._produce():
            pickle.dump(item, self._spool, protocol=pickle.HIGHEST_PROTOCOL)
            yield item
        self._complete = True

    def _replay(self) -> Iterator[ParsedItem]:
        self._spool.seek(0)
        while True:
            try:
                yield pickle.load(self._spool)  # our own spool, written above
            except EOFError:
                return

    def close(self) -> None:
        self._spool.close()


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
        bar = tqdm(desc="koulutukset", unit="hit", disable=None, leave=False)

        def on_progress(done: int, total: int | None) -> None:
            if total is not None and bar.total != total:
                bar.total = total
            bar.n = done
            bar.refresh()

        items = SpooledItems(
            lambda: harvest_opintopolku(base_url=options["base_url"], since=options["since"], progress=on_progress)
        )
        try:
            report = run_import(items, dry_run=options["dry_run"], label="harvest:opintopolku")
        finally:
            bar.close()
            items.close()
        self.stdout.write(f"read {report.records_read} records from {options['base_url']}")
        print_report(self, report)
        if not report.ok:
            raise CommandError(f"{len(report.problems) + report.problems_omitted} problem(s): nothing was imported.")
        self.stdout.write(self.style.SUCCESS("Harvest complete."))
