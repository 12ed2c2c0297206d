"""Load demonstration content (idempotent). Demo users are refused when DEBUG is off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction


class Command(BaseCommand):
    help = "Load the Battery Region demo data: the letter-of-intent partners and one user per persona."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--without-users",
            action="store_true",
            help="Load content only, no demo users (allowed in production).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with_users = not options["without_users"]
        if with_users and not settings.DEBUG:
            raise CommandError(
                "Refusing to create demo users while DEBUG is off; use --without-users to load content only."
            )
        from battery_region.catalogue import demo as catalogue_demo
        from battery_region.organisations.demo import load_organisations

        with transaction.atomic():
            organisations = load_organisations()
            self.stdout.write(f"organisations: {len(organisations)}")
            for loader in self._content_loaders():
                loader()
            report = catalogue_demo.load()
            for kind, counts in sorted(report.counts.items()):
                self.stdout.write(
                    f"{kind}: {counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged"
                )
            if with_users:
                from battery_region.accounts.demo import load_users

                users = load_users(organisations)
                self.stdout.write(f"demo users: {len(users)}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))

    @staticmethod
    def _content_loaders() -> list[Callable[[], Any]]:
        """Reference content other apps ship (glossary, value-chain stages and roles), loaded before the catalogue."""
        loaders: list[Callable[[], Any]] = []
        try:
            from battery_region.skills.demo import load as load_skills

            loaders.append(load_skills)
        except ImportError:
            pass
        try:
            from battery_region.search.glossary import load_glossary

            loaders.append(load_glossary)
        except ImportError:
            pass
        return loaders
