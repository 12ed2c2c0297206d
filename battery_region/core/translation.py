"""Translated content: one fallback order, one API shape.

Content fields are real columns (`name_fi`, `name_sv`, `name_en`) created by django-translated-fields.
Reading `obj.name` gives the active language, falling back in the order fixed in settings
(requested → en → fi → sv), so a page never shows an empty title because one translation is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.translation import get_language
from translated_fields import TranslatedField, to_attribute

LANGUAGE_CODES: tuple[str, ...] = tuple(code for code, _name in settings.LANGUAGES)


def fallback_order(language: str | None = None) -> list[str]:
    """Languages to try, the requested (or active) one first."""
    first = (language or get_language() or LANGUAGE_CODES[0])[:2]
    order = [first] if first in LANGUAGE_CODES else []
    order += [code for code in settings.LANGUAGE_FALLBACKS if code not in order]
    order += [code for code in LANGUAGE_CODES if code not in order]
    return order


def translated_value(obj: Any, name: str, language: str | None = None) -> str:
    """The first non-empty translation of `name` on `obj` in fallback order ("" if none)."""
    for code in fallback_order(language):
        value = getattr(obj, to_attribute(name, code), "")
        if value:
            return str(value)
    return ""


def _fallback_getter(name: str, field: TranslatedField) -> Callable[[Any], str]:
    return lambda self: translated_value(self, name)


def translated(field: Any, *, required: tuple[str, ...] = ("fi",)) -> TranslatedField:
    """A TranslatedField with fi/sv/en columns; languages not in `required` may be blank."""
    specific = {code: {"blank": True} for code in LANGUAGE_CODES if code not in required}
    return TranslatedField(field, specific, attrgetter=_fallback_getter)


def as_dict(obj: Any, name: str) -> dict[str, str]:
    """All translations of `name` as the API shape `{"fi", "sv", "en"}`."""
    return {code: getattr(obj, to_attribute(name, code)) or "" for code in LANGUAGE_CODES}


def field_names(name: str) -> list[str]:
    """The per-language column names of a translated field, e.g. name_fi, name_sv, name_en."""
    return [to_attribute(name, code) for code in LANGUAGE_CODES]


def missing_languages(obj: Any, name: str) -> list[str]:
    """Languages in which `name` is empty (used by data-quality reports and forms)."""
    return [code for code in LANGUAGE_CODES if not getattr(obj, to_attribute(name, code), "")]
