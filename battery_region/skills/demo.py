"""Demo data of the skills app, called by the lead's `load_demo_data`: stages and roles, and ESCO once.

Stages and roles are always (re)loaded idempotently. The full English ESCO package is imported only when the
ESCO tables are still empty and the shared package is present next to the checkout
(`../shared/data/esco/v1.1.1`): about ten seconds once on SQLite, and never repeated on later runs.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from battery_region.skills.models import EscoConcept
from battery_region.skills.services import roles_load

SHARED_ESCO = Path(settings.BASE_DIR).parent / "shared" / "data" / "esco" / "v1.1.1"


def load(*, esco_directory: Path | None = SHARED_ESCO) -> list[str]:
    """Load the value-chain stages and battery roles; import ESCO if it is missing and available.

    Returns report lines for the command to print. Pass `esco_directory=None` to skip ESCO.
    """
    lines = [f"skills: {line}" for line in roles_load().lines()]
    if esco_directory is None:
        return lines
    if EscoConcept.objects.exists():
        lines.append("skills: ESCO already imported (run manage.py import_esco to update it)")
    elif esco_directory.is_dir():
        from battery_region.skills.importers.esco import import_esco

        report = import_esco(esco_directory)
        lines.append(f"skills: ESCO imported from {esco_directory}: {report.summary()}")
    else:
        lines.append(f"skills: ESCO package not found at {esco_directory}; run manage.py import_esco DIR")
    return lines
