"""Store the imported records' original payloads compressed (Zstandard) in a column at the end of the row.

The payload moves to a new column (added last, so SQLite reads the other columns of a row without walking
the payload's overflow pages), existing payloads are compressed into it, and the old JSON column goes.
"""

from typing import Any

from django.db import migrations

import battery_region.core.sourced

BATCH = 500


def compress_existing(apps: Any, schema_editor: Any) -> None:
    """Copy each payload into the compressed column (the historical models read the old one as JSON)."""
    for name in ("Programme", "Offering"):
        model = apps.get_model("catalogue", name)
        manager = model.objects.using(schema_editor.connection.alias)
        ids = list(manager.exclude(raw_payload=None).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            rows = manager.filter(pk__in=ids[start : start + BATCH]).values_list("pk", "raw_payload")
            manager.bulk_update([model(pk=pk, packed_payload=payload) for pk, payload in rows], ["packed_payload"])


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
        migrations.RunPython(compress_existing, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="programme", name="raw_payload"),
        migrations.RemoveField(model_name="offering", name="raw_payload"),
        migrations.RenameField(model_name="programme", old_name="packed_payload", new_name="raw_payload"),
        migrations.RenameField(model_name="offering", old_name="packed_payload", new_name="raw_payload"),
    ]
