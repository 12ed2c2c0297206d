"""Provenance of imported records, shared by every model that an importer or harvester writes."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import orjson
from django.db import models
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class EncodedJSON:
    """A payload already serialised to JSON (UTF-8 bytes), written to the database as it is.

    An import serialises each record's original payload once, hashes those bytes, spools them to disk and
    stores them, instead of encoding the payload again on save.
    """

    data: bytes

    @classmethod
    def of(cls, value: Any) -> EncodedJSON:
        try:  # orjson is several times faster than the standard encoder on the import's hot path
            return cls(orjson.dumps(value, default=str))
        except (orjson.JSONEncodeError, TypeError):  # e.g. integers beyond 64 bits, which JSON allows
            return cls(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode())

    @property
    def text(self) -> str:
        return self.data.decode()

    def __reduce__(self) -> tuple[type[EncodedJSON], tuple[bytes]]:
        # Simpler than the default dataclass pickling, which goes through copyreg (records are spooled).
        return (EncodedJSON, (self.data,))


class RawPayloadField(models.JSONField):
    """A JSONField that also accepts `EncodedJSON` and then skips the second encoding."""

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if isinstance(value, EncodedJSON):
            text = value.text
            if connection.vendor == "postgresql":
                from psycopg.types.json import Jsonb

                return Jsonb(None, dumps=lambda _obj: text)
            return text
        return super().get_db_prep_value(value, connection, prepared)


class SourcedModel(models.Model):
    """Where a record came from, its original payload and a hash that makes re-imports idempotent.

    `source` is empty for records created by hand on the platform.
    """

    # No index of its own: each concrete model indexes (source, source_id), which also serves `source =`.
    source = models.CharField(_("source"), max_length=40, blank=True)
    source_id = models.CharField(_("source id"), max_length=200, blank=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    source_modified = models.DateTimeField(_("modified at source"), null=True, blank=True)
    raw_payload = RawPayloadField(_("original record"), null=True, blank=True, editable=False)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True, editable=False)
    imported_at = models.DateTimeField(_("last imported"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_imported(self) -> bool:
        return bool(self.source) and self.source != "demo"

    @property
    def is_demo(self) -> bool:
        return self.source == "demo"


def canonical_json(data: Any) -> bytes:
    """Stable JSON bytes for content hashes (sorted keys); dataclasses are encoded field by field in
    declaration order, values that JSON lacks (decimals) by their string form, an `EncodedJSON` as its text."""
    try:
        return orjson.dumps(data, default=_orjson_default, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, TypeError):  # integers beyond 64 bits, non-string keys: the slow path
        return json.dumps(
            data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain_default
        ).encode()


def _orjson_default(value: Any) -> Any:
    if isinstance(value, bytes):  # an EncodedJSON's data
        return value.decode()
    return str(value)


def _plain_default(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in fields(value)}
    return _orjson_default(value)
