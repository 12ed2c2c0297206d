"""Template helpers of the skills pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

EVIDENCE_SOURCES = {
    "preferred": _("ESCO preferred label"),
    "alternative": _("ESCO alternative label"),
    "hidden": _("ESCO hidden label"),
    "name": _("role name"),
    "keyword": _("role keyword"),
    "occupation": _("label of the role's ESCO occupation"),
}


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """`{{ counts|get_item:code }}`: a dictionary value by a variable key (None if absent)."""
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None


@register.filter
def evidence_source(code: str) -> str:
    """The kind of label a suggestion matched, in the user's language."""
    return str(EVIDENCE_SOURCES.get(code, code))
