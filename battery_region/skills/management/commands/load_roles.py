"""`manage.py load_roles`: install the shipped value-chain stages and battery roles (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from battery_region.skills.services import RolesDataError, roles_load


class Command(BaseCommand):
    help = (
        "Load the value-chain stages and battery roles shipped in battery_region/skills/data/. Existing roles keep "
        "edits made in the admin unless --reset is given. ESCO URIs not imported yet are linked later by import_esco."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="Restore the shipped texts and ESCO links of existing roles."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = roles_load(reset=options["reset"])
        except RolesDataError as exc:
            raise CommandError("The shipped role data is not valid:\n" + "\n".join(exc.problems)) from exc
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Roles loaded." if report.changed else "Roles are up to date."))
