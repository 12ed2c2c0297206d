"""python manage.py import_offerings --format opintopolku|susa-emil3|spreadsheet|elm PATH [PATH ...] [--dry-run]"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from battery_region.catalogue.importers.base import FORMATS, get_parser
from battery_region.catalogue.importers.records import ParsedItem
from battery_region.catalogue.importers.writer import ImportReport, run_import


def print_report(command: BaseCommand, report: ImportReport) -> None:
    """The same report for every import and harvest command: counts, then each problem with its place."""
    for kind, counts in sorted(report.counts.items()):
        command.stdout.write(
            f"{kind}: {counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged"
        )
    for line in report.problem_lines():
        command.stderr.write(f"{line['record']}: {line['field'] or '-'}: {line['message']}")
    if report.problems_omitted:
        command.stderr.write(f"… and {report.problems_omitted} more problems")
    if report.dry_run and report.ok:
        command.stdout.write(command.style.WARNING("Dry run: nothing was written."))


class Command(BaseCommand):
    help = "Import education offerings from registry exports or the spreadsheet template (validated, all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Validate and count, write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        parse = get_parser(options["fmt"])
        paths: list[Path] = options["paths"]
        for path in paths:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
        total = sum(path.stat().st_size for path in paths)
        bar = tqdm(total=2, desc="validate → write", unit="pass", disable=None, leave=False)

        def items() -> Iterator[ParsedItem]:
            for path in paths:
                yield from parse(path)
            bar.update(1)

        counter = tqdm(desc="records", unit="rec", disable=None, leave=False)
        last = [0]

        def progress(n: int) -> None:
            counter.update(n - last[0] if n >= last[0] else n)
            last[0] = n

        report = run_import(items, dry_run=options["dry_run"], progress=progress, label=f"import:{options['fmt']}")
        bar.close()
        counter.close()
        self.stdout.write(f"read {report.records_read} records from {len(paths)} file(s), {total} bytes")
        print_report(self, report)
        if not report.ok:
            raise CommandError(f"{len(report.problems) + report.problems_omitted} problem(s): nothing was imported.")
        self.stdout.write(self.style.SUCCESS("Import complete."))
