"""Forms of the skills pages: coverage region, tag decisions and the hand-tagging pickers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from battery_region.organisations.models import NUTS3_RE
from battery_region.skills.models import EscoConcept, Role, ValueChainStage
from battery_region.skills.selectors import REGION_NAMES


class CoverageForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, *args: Any, regions: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [("", str(_("Both regions (Pohjois-Pohjanmaa and Västerbotten)")))]
        choices += [(code, f"{REGION_NAMES[code]} ({code})" if code in REGION_NAMES else code) for code in regions]
        field = self.fields["region"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean_region(self) -> str:
        region: str = self.cleaned_data.get("region") or ""
        if region and not NUTS3_RE.match(region):
            raise forms.ValidationError(_("Use a NUTS-3 code such as FI1D9 or SE331."))
        return region


class TagAddForm(forms.Form):
    """One hand-made tag: what kind of target and which one."""

    KINDS = (("stage", _("Value-chain stage")), ("role", _("Role")), ("skill", _("ESCO skill")))

    kind = forms.ChoiceField(label=_("Kind"), choices=KINDS)
    target = forms.IntegerField(label=_("Target"), min_value=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, target = data.get("kind"), data.get("target")
        if kind and target:
            model_qs = {
                "stage": ValueChainStage.objects.all(),
                "role": Role.objects.all(),
                "skill": EscoConcept.objects.skills(),
            }[kind]
            obj = model_qs.filter(pk=target).first()
            if obj is None:
                raise forms.ValidationError(_("This stage, role or skill does not exist."))
            data["object"] = obj
        return data


class TagDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=(("accept", _("Accept")), ("reject", _("Reject"))))


class PickerForm(forms.Form):
    KINDS = (("role", _("Role")), ("skill", _("ESCO skill")))

    kind = forms.ChoiceField(choices=KINDS, widget=forms.HiddenInput)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
