"""Background harvests: started from the admin, run by the task worker, progress kept on an ImportRun."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from typing import Any

from django.utils import timezone
from django_tasks import task

from battery_region.catalogue.importers.records import ParsedItem
from battery_region.catalogue.importers.spool import Spool
from battery_region.catalogue.importers.writer import run_import
from battery_region.catalogue.models import ImportRun

logger = logging.getLogger(__name__)

HARVESTS = ("opintopolku", "susa")


def harvester(source: str) -> Callable[..., Iterator[ParsedItem]]:
    if source == "opintopolku":
        from battery_region.catalogue.harvesters.opintopolku import harvest_opintopolku

        return harvest_opintopolku
    if source == "susa":
        from battery_region.catalogue.harvesters.susa import harvest_susa

        return harvest_susa
    raise ValueError(f"unknown harvest source {source!r}")


def _progress(run: ImportRun, phase: str) -> Callable[[int], None]:
    def update(done: int) -> None:
        ImportRun.objects.filter(pk=run.pk).update(progress_done=done, report={"phase": phase})

    return update


def execute_harvest(run: ImportRun) -> ImportRun:
    """Harvest into a spool (network once), then validate and write through the one writer."""
    params: dict[str, Any] = run.parameters
    since = dt.date.fromisoformat(params["since"]) if params.get("since") else None
    run.status, run.started_at = ImportRun.Status.RUNNING, timezone.now()
    run.save(update_fields=["status", "started_at"])
    try:
        harvest = harvester(params["source"])
        kwargs: dict[str, Any] = {"since": since}
        if params.get("base_url"):
            kwargs["base_url"] = params["base_url"]
        with Spool(harvest(**kwargs), on_item=_progress(run, "harvest")) as spool:
            ImportRun.objects.filter(pk=run.pk).update(progress_total=spool.count * 2, progress_done=0)
            report = run_import(
                spool,
                actor=run.started_by,
                dry_run=bool(params.get("dry_run")),
                progress=_progress(run, "import"),
                label=f"harvest:{params['source']}",
                run=run,
            )
        run.refresh_from_db()
        run.report = report.as_dict()
        run.status = ImportRun.Status.SUCCEEDED if report.ok else ImportRun.Status.FAILED
        run.progress_done = run.progress_total or 0
    except Exception as exc:  # a harvest must end with a visible status, whatever went wrong
        logger.exception("harvest %s failed", run.pk)
        run.status, run.error = ImportRun.Status.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
    run.finished_at = timezone.now()
    run.save()
    return run


@task()
def harvest_task(run_id: int) -> str:
    run = execute_harvest(ImportRun.objects.get(pk=run_id))
    return run.status
