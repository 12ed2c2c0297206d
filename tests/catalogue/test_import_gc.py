"""An import runs the garbage collector less often, and leaves its settings as they were, even when imports
overlap in several threads."""

from __future__ import annotations

import gc

import pytest

from battery_region.catalogue.importers import writer


def test_settings_are_restored_after_overlapping_imports() -> None:
    before = gc.get_threshold()
    first, second = writer._few_collections(), writer._few_collections()
    first.__enter__()
    assert gc.get_threshold()[0] >= 50_000
    second.__enter__()
    first.__exit__(None, None, None)  # the first import ends while the second still runs
    assert gc.get_threshold()[0] >= 50_000
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


@pytest.mark.django_db
def test_an_import_restores_the_settings_even_when_it_fails() -> None:
    before = gc.get_threshold()

    def broken() -> list[object]:
        raise RuntimeError("parser bug")

    with pytest.raises(RuntimeError):
        writer.run_import(broken)  # type: ignore[arg-type]
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
