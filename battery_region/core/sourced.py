"""Provenance of imported records, shared by every model that an importer or harvester writes."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import orjson
import zstandard
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


class RawPayloadField(models.BinaryField):
    """An imported record's original payload: JSON, stored compressed with Zstandard.

    Registry payloads are large (a Kouta document is 5–10 KB, most of an imported row) and read only to show
    where a record came from, so they are stored compressed: an Opintopolku import writes about a third of
    the bytes, and SQLite keeps them in a column of their own at the end of the row. Reads give back the JSON
    value (a dict); writes take a JSON value or an `EncodedJSON` (already encoded once by the importer).
    Payloads are not queried inside the database.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None:
            return None
        data = value.data if isinstance(value, EncodedJSON) else EncodedJSON.of(value).data
        return super().get_db_prep_value(_compressor().compress(data), connection, prepared)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else unpack_payload(bytes(value))

    def to_python(self, value: Any) -> Any:
        return unpack_payload(bytes(value)) if isinstance(value, bytes | memoryview) else value

    def value_to_string(self, obj: models.Model) -> str:  # serialisers (dumpdata) get the JSON text
        value = self.value_from_object(obj)
        return "" if value is None else EncodedJSON.of(value).text


class JSONPayloadField(models.JSONField):
    """The plain JSON column payloads had until catalogue migration 0006; only old migrations refer to it."""


def unpack_payload(stored: bytes) -> Any:
    return orjson.loads(zstandard.ZstdDecompressor().decompress(stored))


_local = threading.local()


def _compressor() -> zstandard.ZstdCompressor:
    """One compressor per thread (they are not thread-safe). Level 1: on Kouta documents it compresses as
    well as the default level 3 (5.0 KB → 2.1 KB) and about a third faster."""
    compressor = getattr(_local, "compressor", None)
    if compressor is None:
        compressor = _local.compressor = zstandard.ZstdCompressor(level=1)
    return compressor


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
