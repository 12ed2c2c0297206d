"""Form payloads and lookups shared by the organisation tests."""

from __future__ import annotations

import html
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from battery_region.core.models import AuditEntry
from battery_region.organisations.models import ContactPoint, Organisation
from battery_region.organisations.services import CONTACT_POINT_FIELDS, ORGANISATION_EDITABLE_FIELDS


def text_of(response: Any) -> str:
    """The response body with HTML entities decoded, so messages with apostrophes compare as written."""
    return html.unescape(response.content.decode())


def organisation_form_data(organisation: Organisation, **changes: Any) -> dict[str, Any]:
    data = {name: getattr(organisation, name) or "" for name in ORGANISATION_EDITABLE_FIELDS}
    data.update(changes)
    return data


def contact_form_data(**changes: Any) -> dict[str, Any]:
    """A valid contact-point form; pass a field as None to leave it out of the POST."""
    data: dict[str, Any] = {
        "name": "Carla Contact",
        "title_fi": "Koordinaattori",
        "title_sv": "Koordinator",
        "title_en": "Coordinator",
        "role": ContactPoint.Role.COORDINATOR,
        "email": "carla@example.org",
        "phone": "+358 40 123 4567",
        "consent_given": "on",
        "consent_date": "2024-05-02",
    }
    data.update(changes)
    assert set(data) == set(CONTACT_POINT_FIELDS)
    return {k: v for k, v in data.items() if v is not None}


def entries_for_model(model: type) -> Any:
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(model))


def translated_in(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


def is_translated(language: str, message: str) -> bool:
    return translated_in(language, message) != message
