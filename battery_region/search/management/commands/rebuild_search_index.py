"""Rebuild the whole search index from the published offerings (progress bar on the terminal)."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from battery_region.search import analysis
from battery_region.search.indexing import rebuild_index


class Command(BaseCommand):
    help = "Rebuild the catalogue search index (SQLite FTS5 or PostgreSQL, whichever database is in use)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000, help="Offerings analysed per batch.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for logs).")

    def handle(self, *args: Any, **options: Any) -> None:
        for notice in analysis.analysis_status()["notices"]:
            self.stderr.write(self.style.WARNING(notice))
        started = time.perf_counter()
        bar = tqdm(total=0, unit="offering", disable=options["no_progress"], file=sys.stderr)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            total = rebuild_index(batch_size=max(1, options["batch_size"]), progress=progress)
        finally:
            bar.close()
        self.stdout.write(
            self.style.SUCCESS(f"Indexed {total} published offerings in {time.perf_counter() - started:.1f} s.")
        )
