from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from battery_region.catalogue.filters import START_PERIOD_RE, CatalogueFilters
from battery_region.catalogue.importers.base import FORMATS
from battery_region.catalogue.importers.validation import ISCED_F_RE
from battery_region.catalogue.models import LANGUAGE_CHOICES, CreditSystemChoices, Offering, Programme
from battery_region.organisations.models import Country, Organisation

EQF_CHOICES = [("", _("All"))] + [(str(n), str(n)) for n in range(1, 9)]
YES_NO = [("", _("All")), ("yes", _("Yes")), ("no", _("No"))]


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    country = forms.ChoiceField(label=_("Country"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    eqf_level = forms.ChoiceField(label=_("EQF level"), required=False, choices=EQF_CHOICES)
    credits_system = forms.ChoiceField(label=_("Credit system"), required=False)
    language = forms.ChoiceField(label=_("Teaching language"), required=False)
    mode = forms.ChoiceField(label=_("Mode"), required=False)
    start_period = forms.CharField(
        label=_("Start"), required=False, max_length=20, help_text=_("A year, or a year and season: 2027-autumn")
    )
    open_for_exchange = forms.ChoiceField(label=_("Open for exchange"), required=False, choices=YES_NO)
    provider = forms.ModelChoiceField(
        label=_("Provider"), required=False, queryset=Organisation.objects.filter(offerings__isnull=False).distinct()
    )

    def __init__(self, *args: Any, regions: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["country"].choices = everything + [c for c in Country.choices if c[0] in {"FI", "SE"}]  # type: ignore[attr-defined]
        self.fields["region"].choices = everything + [(r, r) for r in regions or []]  # type: ignore[attr-defined]
        self.fields["credits_system"].choices = everything + list(CreditSystemChoices.choices)  # type: ignore[attr-defined]
        self.fields["language"].choices = everything + LANGUAGE_CHOICES[:4]  # type: ignore[attr-defined]
        self.fields["mode"].choices = everything + list(Offering.Mode.choices)  # type: ignore[attr-defined]

    def clean_start_period(self) -> str:
        value: str = self.cleaned_data.get("start_period", "").strip().lower()
        if value and not START_PERIOD_RE.match(value):
            raise forms.ValidationError(_("Use a year such as 2027, or a year and season such as 2027-autumn."))
        return value

    def to_filters(self) -> CatalogueFilters:
        data = self.cleaned_data
        exchange = {"yes": True, "no": False}.get(data.get("open_for_exchange") or "")
        provider = data.get("provider")
        return CatalogueFilters(
            country=data.get("country") or "",
            region=data.get("region") or "",
            eqf_level=int(data["eqf_level"]) if data.get("eqf_level") else None,
            credits_system=data.get("credits_system") or "",
            language=data.get("language") or "",
            mode=data.get("mode") or "",
            start_period=data.get("start_period") or "",
            open_for_exchange=exchange,
            provider=provider.pk if provider else None,
        )


def _text_widgets(names: list[str]) -> dict[str, forms.Widget]:
    return {f"{n}_{c}": forms.Textarea(attrs={"rows": 4}) for n in names for c in ("fi", "sv", "en")}


class ProgrammeForm(forms.ModelForm):
    isced_codes = forms.CharField(
        label=_("ISCED-F fields"),
        required=False,
        help_text=_("Field codes separated by spaces, e.g. 0713 0714"),
    )

    class Meta:
        model = Programme
        fields = (
            "title_fi",
            "title_sv",
            "title_en",
            "description_fi",
            "description_sv",
            "description_en",
            "learning_outcomes_fi",
            "learning_outcomes_sv",
            "learning_outcomes_en",
            "qualification_title_fi",
            "qualification_title_sv",
            "qualification_title_en",
            "kind",
            "national_type",
            "national_code",
            "is_vocational",
            "leads_to_qualification",
            "eqf_level",
            "isced_level",
            "nqf_level",
            "nqf_framework",
            "credits_value",
            "credits_min",
            "credits_max",
            "credits_system",
            "keywords",
            "published",
        )
        widgets = _text_widgets(["description", "learning_outcomes"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["isced_codes"].initial = " ".join(self.instance.isced_fields.values_list("code", flat=True))

    def clean_isced_codes(self) -> list[str]:
        codes = (self.cleaned_data.get("isced_codes") or "").replace(",", " ").split()
        bad = [c for c in codes if not ISCED_F_RE.match(c)]
        if bad:
            raise forms.ValidationError(
                _("Not ISCED-F field codes: %(codes)s"), params={"codes": ", ".join(bad)}, code="isced"
            )
        return codes

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("credits_value") is not None and not data.get("credits_system"):
            self.add_error("credits_system", _("Give the unit of the credits."))
        return data

    def model_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class OfferingForm(forms.ModelForm):
    teaching_language_list = forms.MultipleChoiceField(
        label=_("Teaching languages"), required=False, choices=LANGUAGE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    application_opens = forms.DateTimeField(
        label=_("Application opens"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    application_closes = forms.DateTimeField(
        label=_("Application closes"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    application_continuous = forms.BooleanField(label=_("Continuous application"), required=False)
    application_url = forms.URLField(label=_("Application form"), required=False, max_length=500)

    class Meta:
        model = Offering
        fields = (
            "title_fi",
            "title_sv",
            "title_en",
            "description_fi",
            "description_sv",
            "description_en",
            "country",
            "region",
            "municipality_code",
            "place_name",
            "start_precision",
            "start_date",
            "end_date",
            "start_year",
            "start_season",
            "duration",
            "pace",
            "pace_percent",
            "mode",
            "fee_amount",
            "fee_currency",
            "places",
            "status",
            "open_for_exchange",
            "exchange_places",
            "url",
        )
        widgets = {
            **_text_widgets(["description"]),
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance: Offering = self.instance
        self.fields["teaching_language_list"].initial = instance.language_list
        window = instance.application_windows.first() if instance.pk else None
        if window is not None:
            self.fields["application_opens"].initial = window.opens
            self.fields["application_closes"].initial = window.closes
            self.fields["application_continuous"].initial = window.continuous
            self.fields["application_url"].initial = window.url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        precision = data.get("start_precision")
        if precision == Offering.StartPrecision.EXACT and not data.get("start_date"):
            self.add_error("start_date", _("An exact start needs a start date."))
        if precision == Offering.StartPrecision.SEASON and not (data.get("start_year") and data.get("start_season")):
            self.add_error("start_season", _("A start by season needs both the year and the season."))
        opens, closes = data.get("application_opens"), data.get("application_closes")
        if opens and closes and closes < opens:
            self.add_error("application_closes", _("The application period ends before it starts."))
        return data

    def model_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["teaching_languages"] = ",".join(self.cleaned_data.get("teaching_language_list") or [])
        return data

    def window_data(self) -> dict[str, Any]:
        return {
            "opens": self.cleaned_data.get("application_opens"),
            "closes": self.cleaned_data.get("application_closes"),
            "continuous": bool(self.cleaned_data.get("application_continuous")),
            "url": self.cleaned_data.get("application_url") or "",
        }


class ImportUploadForm(forms.Form):
    fmt = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("spreadsheet", _("Spreadsheet (CSV or XLSX template)")),
            ("opintopolku", _("Opintopolku JSON")),
            ("susa-emil3", _("Susa-navet EMIL3 JSON")),
            ("elm", _("Europass ELM JSON-LD")),
        ],
        initial="spreadsheet",
    )
    file = forms.FileField(label=_("File"))

    def clean_fmt(self) -> str:
        value: str = self.cleaned_data["fmt"]
        if value not in FORMATS:
            raise forms.ValidationError(_("Unknown format."))
        return value
