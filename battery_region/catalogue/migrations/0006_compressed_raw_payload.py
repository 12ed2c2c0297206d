"""Store the imported records' original payloads compressed (Zstandard) in a column at the end of the row.

The payload moves to a new column (added last, so SQLite reads the other columns of a row without walking
the payload's overflow pages), existing payloads are compressed into it, and the old JSON column goes.
"""

from typing import Any

from django.db import migrations

import battery_region.core.sourced

BATCH = 500


def _copy(apps: Any, schema_editor: Any, source: str, target: str) -> None:
    """Copy every payload from one column to the other (each field class reads and writes its own form)."""
    for name in ("Programme", "Offering"):
        model = apps.get_model("catalogue", name)
        manager = model.objects.using(schema_editor.connection.alias)
        ids = list(manager.exclude(**{source: None}).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            rows = manager.filter(pk__in=ids[start : start + BATCH]).values_list("pk", source)
            manager.bulk_update([model(pk=pk, **{target: payload}) for pk, payload in rows], [target])


def compress_existing(apps: Any, schema_editor: Any) -> None:
    _copy(apps, schema_editor, "raw_payload", "packed_payload")


def decompress_existing(apps: Any, schema_editor: Any) -> None:
    _copy(apps, schema_editor, "packed_payload", "raw_payload")


def field() -> battery_region.core.sourced.RawPayloadField:
    return battery_region.core.sourced.RawPayloadField(
        blank=True, editable=False, null=True, verbose_name="original record"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0005_fewer_redundant_indexes"),
    ]

    operations = [
        migrations.AddField(model_name="programme", name="packed_payload", field=field()),
        migrations.AddField(model_name="offering", name="packed_payload", field=field()),
        migrations.RunPython(compress_existing, decompress_existing, elidable=True),
        migrations.RemoveField(model_name="programme", name="raw_payload"),
        migrations.RemoveField(model_name="offering", name="raw_payload"),
        migrations.RenameField(model_name="programme", old_name="packed_payload", new_name="raw_payload"),
        migrations.RenameField(model_name="offering", old_name="packed_payload", new_name="raw_payload"),
    ]
