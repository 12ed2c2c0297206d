"""Harvests started from the admin run as background tasks and keep their progress on an ImportRun."""

from __future__ import annotations

import pytest

from battery_region.catalogue.models import ImportRun, Programme
from tests.catalogue.harvesters.test_harvest_opintopolku import K4330, K8751, Konfo, konfo, quick_command_client

__all__ = ["konfo", "quick_command_client"]

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.mark.django_db
@pytest.mark.usefixtures("quick_command_client")
def test_admin_starts_a_harvest_that_runs_as_a_task(admin, konfo: Konfo, settings) -> None:
    settings.TASKS = IMMEDIATE  # django-tasks resets its backends when the setting changes
    response = admin.post(
        "/en/admin/catalogue/importrun/harvest/",
        {"source": "opintopolku", "base_url": konfo.url, "since": "2024-01-01"},
    )
    assert response.status_code == 302
    run = ImportRun.objects.get(kind="harvest:opintopolku")
    assert run.status == ImportRun.Status.SUCCEEDED, run.error
    assert run.progress_total and run.progress_done == run.progress_total
    assert run.report["counts"]["programme"]["created"] == 2
    assert set(Programme.objects.values_list("source_id", flat=True)) == {K4330, K8751}
    changelist = admin.get("/en/admin/catalogue/importrun/").content.decode()
    assert "Start a harvest" in changelist and "harvest:opintopolku" in changelist


@pytest.mark.django_db
def test_only_platform_administrators_start_harvests(editor_a) -> None:
    response = editor_a.post("/en/admin/catalogue/importrun/harvest/", {"source": "susa"})
    assert response.status_code == 302 and "/admin/login/" in response.url
    assert not ImportRun.objects.exists()


@pytest.mark.django_db
def test_a_failing_harvest_ends_failed_with_its_error(admin, settings) -> None:
    from battery_region.catalogue.tasks import execute_harvest

    run = ImportRun.objects.create(kind="harvest:nowhere", parameters={"source": "nowhere"})
    execute_harvest(run)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED and "nowhere" in run.error and run.finished_at
