"""Template helpers: language links that keep the current page, and translated-field access."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.http import urlencode

from battery_region.core.translation import translated_value

register = template.Library()

NATIVE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


@register.simple_tag(takes_context=True)
def language_links(context: dict[str, Any]) -> list[dict[str, str]]:
    """One link per language to the same page (query string kept)."""
    request = context["request"]
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    return [
        {"code": code, "name": NATIVE_NAMES[code], "url": translate_url(request.path, code) + query}
        for code, _name in settings.LANGUAGES
    ]


@register.filter
def tr(obj: Any, name: str) -> str:
    """`{{ obj|tr:"name" }}`: the translation in the active language with fallbacks."""
    return translated_value(obj, name)


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (for pagination links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + urlencode(list(params.lists()), doseq=True) if params else "?"


_ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "a", "h3", "h4", "h5", "blockquote", "mark"}


@register.filter
def sanitize(value: Any) -> str:
    """User- or registry-supplied HTML, reduced to harmless formatting (scripts, styles, handlers removed)."""
    import nh3
    from django.utils.safestring import mark_safe

    if not value:
        return ""
    cleaned = nh3.clean(
        str(value),
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 has removed everything unsafe


@register.filter
def split_codes(value: str) -> list[str]:
    return [v for v in (value or "").split(",") if v]


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
