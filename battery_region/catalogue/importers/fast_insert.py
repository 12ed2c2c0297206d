"""A lean bulk INSERT for the import writer's hot path.

Django's `bulk_create` compiles every field of every object through the SQL compiler, which dominated large
imports. Here the statement is built once per model; plain values (text, numbers, booleans, foreign-key ids)
go to the driver as they are and only the fields that need conversion (dates, times, decimals, JSON) pass
through the field's own `get_db_prep_save`. Primary keys are not returned: the writer reads them back by
(source, source_id).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

from django.db import connections, models, router

_PLAIN = (
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.IntegerField,  # also the small/positive/big variants
    models.ForeignKey,
    models.DecimalField,  # both drivers take Decimal as it is (Django registers the SQLite adapter)
)


def _preparer(field: models.Field[Any, Any], conn: Any) -> Callable[[Any], Any] | None:
    """None for values the driver takes as they are; else the field's own conversion.

    Dates and times repeat a lot in an import (every row's created/updated/imported time is the same
    instant), so their conversions are remembered for the duration of one insert.
    """
    if isinstance(field, _PLAIN) and not isinstance(field, models.JSONField):
        return None
    if isinstance(field, models.DateField | models.TimeField):  # DateTimeField is a DateField
        memo: dict[Any, Any] = {}

        def remembered(value: Any) -> Any:
            try:
                return memo[value]
            except KeyError:
                memo[value] = prepared = field.get_db_prep_save(value, conn)
                return prepared
            except TypeError:  # unhashable: convert without remembering
                return field.get_db_prep_save(value, conn)

        return remembered
    return lambda value: field.get_db_prep_save(value, conn)


class NewRow:
    """A row to insert with `fast_insert`: attribute values as `Model.__init__` would set them, without its
    per-instance cost (a sizeable share of a large import when built for every record)."""

    _pk_attname = "id"

    @property
    def pk(self) -> Any:
        return self.__dict__.get(self._pk_attname)

    @pk.setter
    def pk(self, value: Any) -> None:
        self.__dict__[self._pk_attname] = value


_FACTORIES: dict[Any, Callable[..., Any]] = {}


def row_factory(model: Any) -> Callable[..., Any]:
    """`make(**values)` → a NewRow with the model's field defaults (callable defaults called per row)."""
    if model not in _FACTORIES:
        _FACTORIES[model] = _make_factory(model)
    return _FACTORIES[model]


def _make_factory(model: Any) -> Callable[..., Any]:
    static: dict[str, Any] = {}
    dynamic: list[models.Field[Any, Any]] = []
    for field in model._meta.concrete_fields:
        if field.has_default() and callable(field.default):
            dynamic.append(field)
        else:
            static[field.attname] = field.get_default()
    pk_attname = model._meta.pk.attname if model._meta.pk is not None else "id"

    def make(**values: Any) -> Any:
        row = NewRow()
        row._pk_attname = pk_attname
        attributes = row.__dict__
        attributes.update(static)
        for field in dynamic:
            attributes[field.attname] = field.get_default()
        attributes.update(values)
        return row

    return make


def tuple_getter(names: Sequence[str]) -> Callable[[Any], tuple[Any, ...]]:
    """`obj` → the tuple of its attributes `names`, in one C call (attrgetter of a single name would give the
    bare value)."""
    if len(names) == 1:
        name = names[0]
        return lambda obj: (getattr(obj, name),)
    return attrgetter(*names)


def fast_insert(model: type[models.Model], objects: Sequence[Any], *, batch_size: int = 500) -> None:
    if not objects:
        return
    conn = connections[router.db_for_write(model)]  # the connection itself, not the per-thread proxy
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = conn.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    values = tuple_getter([f.attname for f in fields])
    conversions = [(index, prepare) for index, f in enumerate(fields) if (prepare := _preparer(f, conn)) is not None]
    with conn.cursor() as cursor:
        for start in range(0, len(objects), batch_size):
            rows: list[Sequence[Any]] = [values(obj) for obj in objects[start : start + batch_size]]
            if conversions:
                rows = [_converted(row, conversions) for row in rows]
            cursor.executemany(sql, rows)


def _converted(row: Sequence[Any], conversions: list[tuple[int, Callable[[Any], Any]]]) -> list[Any]:
    converted = list(row)
    for index, prepare in conversions:
        converted[index] = prepare(converted[index])
    return converted
