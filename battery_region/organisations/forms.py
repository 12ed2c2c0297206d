from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from battery_region.organisations.models import ContactPoint, Country, Organisation
from battery_region.organisations.services import CONTACT_POINT_FIELDS, ORGANISATION_EDITABLE_FIELDS


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by name"), required=False, max_length=100)
    country = forms.ChoiceField(label=_("Country"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, *args: object, regions: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        everything = [("", _("All"))]
        self.fields["country"].choices = everything + list(Country.choices)  # type: ignore[attr-defined]
        self.fields["kind"].choices = everything + list(Organisation.Kind.choices)  # type: ignore[attr-defined]
        self.fields["region"].choices = everything + [(r, r) for r in regions]  # type: ignore[attr-defined]


class OrganisationForm(forms.ModelForm):
    """Validation only; the write goes through `organisation_update`."""

    class Meta:
        model = Organisation
        fields = ORGANISATION_EDITABLE_FIELDS


class ContactPointForm(forms.ModelForm):
    class Meta:
        model = ContactPoint
        fields = CONTACT_POINT_FIELDS
        widgets = {"consent_date": forms.DateInput(attrs={"type": "date"})}
