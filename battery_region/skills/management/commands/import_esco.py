"""`manage.py import_esco DIR`: import the official ESCO CSV package (see battery_region.skills.importers.esco)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from battery_region.skills.importers.esco import EscoImportError, import_esco


class Command(BaseCommand):
    help = (
        "Import ESCO occupations, skills, groups, collections and relations from the official CSV package "
        "found anywhere below DIR (classification-xx/ language packs and the relations files)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="Folder holding the ESCO CSV files (searched recursively).")
        parser.add_argument("--no-progress", action="store_true", help="Do not show progress bars.")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help="Language of the problem report (default: the site language).",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Also reject rows that refer to concepts known to be missing from the official package.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["language"]:
            translation.activate(options["language"])
        progress = not options["no_progress"] and options["verbosity"] > 0
        try:
            report = import_esco(Path(options["directory"]), progress=progress, strict=options["strict"])
        except EscoImportError as exc:
            lines = exc.lines()
            raise CommandError(
                f"The ESCO import was rejected; nothing was written. {len(lines)} problem(s):\n" + "\n".join(lines)
            ) from exc
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("ESCO import finished." if report.changed else "ESCO is up to date."))
