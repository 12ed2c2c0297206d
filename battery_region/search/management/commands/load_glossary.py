"""Load the packaged trilingual glossary (battery_region/search/data/glossary.json) into the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from battery_region.search.glossary import load_glossary


class Command(BaseCommand):
    help = "Create the glossary concepts and terms from the packaged file (idempotent; admin edits are kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=None, help="Another glossary JSON file.")
        parser.add_argument("--replace", action="store_true", help="Reset the packaged concepts to the file's terms.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_glossary(options["file"], replace=options["replace"])
        self.stdout.write(
            self.style.SUCCESS(
                "Glossary: {concepts_created} concepts and {terms_created} terms created, "
                "{terms_removed} terms removed.".format(**result)
            )
        )
