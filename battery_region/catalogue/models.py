"""The education catalogue: what is studied (Programme), when and where (Offering), how to apply.

Mirrors Opintopolku koulutus/toteutus/hakukohde, Susa-navet EducationInfo/EducationEvent and ELM
LearningAchievementSpecification/LearningOpportunity; mapping in `reference/education-data.md` §5.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from battery_region.catalogue.credits import (
    CreditSystem,
    FullTimeEquivalent,
    ects_equivalent,
    full_time_equivalent,
)
from battery_region.core.models import TimeStampedModel
from battery_region.core.sourced import SourcedModel
from battery_region.core.translation import translated, translated_value
from battery_region.organisations.models import Country, Organisation

LANGUAGE_CHOICES = [
    ("fi", _("Finnish")),
    ("sv", _("Swedish")),
    ("en", _("English")),
    ("se", _("Northern Sami")),
    ("no", _("Norwegian")),
    ("de", _("German")),
    ("other", _("Other language")),
]


class CreditSystemChoices(models.TextChoices):
    ECTS = CreditSystem.ECTS.value, _("ECTS credits")
    FI_OP = CreditSystem.FI_OP.value, _("opintopisteet (op)")
    SE_HP = CreditSystem.SE_HP.value, _("högskolepoäng (hp)")
    FI_OSP = CreditSystem.FI_OSP.value, _("osaamispisteet (osp)")
    SE_YHP = CreditSystem.SE_YHP.value, _("YH-poäng")
    SE_GYP = CreditSystem.SE_GYP.value, _("gymnasiepoäng")
    HOURS = CreditSystem.HOURS.value, _("hours")
    WEEKS = CreditSystem.WEEKS.value, _("weeks")


class NqfFramework(models.TextChoices):
    FINQF = "FiNQF", _("Finnish qualifications framework (FiNQF)")
    SEQF = "SeQF", _("Swedish qualifications framework (SeQF)")


class IscedField(models.Model):
    """An ISCED-F 2013 field of education (broad 2, narrow 3 or detailed 4 digits)."""

    if TYPE_CHECKING:  # columns created by TranslatedField, declared for type checkers
        name_fi: str
        name_sv: str
        name_en: str

    code = models.CharField(_("code"), max_length=4, unique=True)
    name = translated(models.CharField(_("name"), max_length=200, blank=True), required=())

    class Meta:
        verbose_name = _("ISCED-F field")
        verbose_name_plural = _("ISCED-F fields")
        ordering = ["code"]

    def __str__(self) -> str:
        label = translated_value(self, "name")
        return f"{self.code} {label}".strip()


class ProgrammeQuerySet(models.QuerySet["Programme"]):
    def published(self) -> ProgrammeQuerySet:
        return self.filter(published=True)

    def editable_by(self, user: object) -> ProgrammeQuerySet:
        from battery_region.organisations.access import editable_organisation_ids

        return self.filter(provider_id__in=editable_organisation_ids(user))


class Programme(SourcedModel, TimeStampedModel):
    """What is studied and achieved: a qualification, degree programme, course or module."""

    if TYPE_CHECKING:  # columns created by TranslatedField, declared for type checkers
        title_fi: str
        title_sv: str
        title_en: str
        description_fi: str
        description_sv: str
        description_en: str
        learning_outcomes_fi: str
        learning_outcomes_sv: str
        learning_outcomes_en: str
        qualification_title_fi: str
        qualification_title_sv: str
        qualification_title_en: str

    class Kind(models.TextChoices):
        QUALIFICATION = "qualification", _("Qualification")
        DEGREE_PROGRAMME = "degree_programme", _("Degree programme")
        PROGRAMME = "programme", _("Programme")
        COURSE = "course", _("Course")
        MODULE = "module", _("Module or part of a qualification")

    provider = models.ForeignKey(
        Organisation, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="programmes"
    )
    title = translated(models.CharField(_("title"), max_length=300))
    description = translated(models.TextField(_("description"), blank=True), required=())
    learning_outcomes = translated(models.TextField(_("learning outcomes"), blank=True), required=())
    qualification_title = translated(
        models.CharField(_("qualification title"), max_length=300, blank=True), required=()
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PROGRAMME)
    national_type = models.CharField(
        _("national type"), max_length=60, blank=True, help_text=_("e.g. amm, yo, amk (FI) or YH, VUXGY (SE)")
    )
    national_code = models.CharField(_("national code"), max_length=100, blank=True)
    is_vocational = models.BooleanField(_("vocational"), default=False)
    leads_to_qualification = models.BooleanField(_("leads to a qualification"), default=False)
    isced_fields = models.ManyToManyField(IscedField, verbose_name=_("fields of education (ISCED-F)"), blank=True)
    isced_level = models.PositiveSmallIntegerField(
        _("ISCED level"), null=True, blank=True, validators=[MaxValueValidator(8)]
    )
    eqf_level = models.PositiveSmallIntegerField(
        _("EQF level"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(8)],
        db_index=True,
    )
    nqf_level = models.PositiveSmallIntegerField(
        _("NQF level"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    nqf_framework = models.CharField(_("NQF framework"), max_length=10, choices=NqfFramework.choices, blank=True)
    credits_value = models.DecimalField(
        _("credits"), max_digits=7, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    credits_min = models.DecimalField(_("credits (minimum)"), max_digits=7, decimal_places=1, null=True, blank=True)
    credits_max = models.DecimalField(_("credits (maximum)"), max_digits=7, decimal_places=1, null=True, blank=True)
    credits_system = models.CharField(
        _("credit system"), max_length=10, choices=CreditSystemChoices.choices, blank=True, db_index=True
    )
    keywords = models.TextField(_("keywords"), blank=True, help_text=_("Comma-separated."))
    published = models.BooleanField(_("published"), default=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["title_fi", "pk"]
        # A full index for lookups by (source, source_id): SQLite's planner cannot prove that `source = 'x'`
        # satisfies the partial unique index's `source <> ''`, and without this index it scans every record
        # of a source for each batch of an import, which made large imports quadratic.
        indexes = [models.Index(fields=["source", "source_id"], name="programme_source_lookup")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"], condition=~Q(source=""), name="programme_unique_source_id"
            ),
            models.CheckConstraint(
                condition=Q(eqf_level__isnull=True) | Q(eqf_level__gte=1, eqf_level__lte=8),
                name="programme_eqf_range",
            ),
            models.CheckConstraint(
                condition=Q(credits_value__isnull=True) | ~Q(credits_system=""),
                name="programme_credits_have_system",
            ),
        ]

    def __str__(self) -> str:
        return translated_value(self, "title")

    def get_absolute_url(self) -> str:
        return reverse("catalogue:programme", kwargs={"pk": self.pk})

    @property
    def owner_organisation(self) -> Organisation:
        return self.provider

    @property
    def country(self) -> str:
        return self.provider.country

    @property
    def full_time(self) -> FullTimeEquivalent | None:
        return full_time_equivalent(self.credits_value, self.credits_system)

    @property
    def ects(self) -> Decimal | None:
        return ects_equivalent(self.credits_value, self.credits_system)


class OfferingQuerySet(models.QuerySet["Offering"]):
    def published(self) -> OfferingQuerySet:
        return self.filter(programme__published=True).exclude(status=Offering.Status.DRAFT)

    def editable_by(self, user: object) -> OfferingQuerySet:
        from battery_region.organisations.access import editable_organisation_ids

        return self.filter(provider_id__in=editable_organisation_ids(user))


class Offering(SourcedModel, TimeStampedModel):
    """One concrete instance of a programme: where, when, in which language, how many places."""

    if TYPE_CHECKING:  # columns created by TranslatedField, declared for type checkers
        title_fi: str
        title_sv: str
        title_en: str
        description_fi: str
        description_sv: str
        description_en: str

    class StartPrecision(models.TextChoices):
        EXACT = "exact", _("exact date")
        SEASON = "season", _("season")
        INDIVIDUAL = "individual", _("individual start")
        CONTINUOUS = "continuous", _("continuous intake")

    class Season(models.TextChoices):
        SPRING = "spring", _("spring")
        SUMMER = "summer", _("summer")
        AUTUMN = "autumn", _("autumn")
        WINTER = "winter", _("winter")

    class Mode(models.TextChoices):
        PRESENTIAL = "presential", _("on site")
        ONLINE = "online", _("online")
        BLENDED = "blended", _("blended")
        WORK_BASED = "work_based", _("work-based / apprenticeship")

    class Pace(models.TextChoices):
        FULL_TIME = "full_time", _("full time")
        PART_TIME = "part_time", _("part time")
        SELF_PACED = "self_paced", _("self-paced")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        CANCELLED = "cancelled", _("cancelled")
        ARCHIVED = "archived", _("archived")

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="offerings"
    )
    provider = models.ForeignKey(
        Organisation, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="offerings"
    )
    title = translated(models.CharField(_("title"), max_length=300, blank=True), required=())
    description = translated(models.TextField(_("description"), blank=True), required=())
    teaching_languages = models.CharField(
        _("teaching languages"), max_length=60, blank=True, help_text=_("Comma-separated language codes.")
    )
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)  # indexed with region
    region = models.CharField(_("region (NUTS-3)"), max_length=5, blank=True, db_index=True)
    municipality_code = models.CharField(_("municipality code"), max_length=20, blank=True)
    place_name = models.CharField(_("place"), max_length=200, blank=True)
    start_precision = models.CharField(
        _("start"), max_length=12, choices=StartPrecision.choices, default=StartPrecision.EXACT
    )
    start_date = models.DateField(_("start date"), null=True, blank=True, db_index=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    start_year = models.PositiveSmallIntegerField(_("start year"), null=True, blank=True)
    start_season = models.CharField(_("start season"), max_length=10, choices=Season.choices, blank=True)
    duration = models.CharField(_("duration (ISO 8601)"), max_length=20, blank=True, help_text=_("e.g. P2Y or P6M"))
    pace = models.CharField(_("pace"), max_length=12, choices=Pace.choices, blank=True)
    pace_percent = models.PositiveSmallIntegerField(
        _("pace (%)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, blank=True, db_index=True)
    fee_amount = models.DecimalField(_("fee"), max_digits=9, decimal_places=2, null=True, blank=True)
    fee_currency = models.CharField(_("currency"), max_length=3, blank=True)
    places = models.PositiveIntegerField(_("places"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED, db_index=True
    )
    open_for_exchange = models.BooleanField(_("open for exchange students"), default=False, db_index=True)
    exchange_places = models.PositiveIntegerField(_("exchange places"), null=True, blank=True)
    url = models.URLField(_("web page"), max_length=500, blank=True)

    objects = OfferingQuerySet.as_manager()

    class Meta:
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        ordering = ["start_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"], condition=~Q(source=""), name="offering_unique_source_id"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="offering_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["country", "region"]),
            models.Index(fields=["updated_at"]),
            models.Index(fields=["source", "source_id"], name="offering_source_lookup"),  # see Programme.Meta
        ]

    def __str__(self) -> str:
        return translated_value(self, "title") or translated_value(self.programme, "title")

    def get_absolute_url(self) -> str:
        return reverse("catalogue:offering", kwargs={"pk": self.pk})

    @property
    def owner_organisation(self) -> Organisation:
        return self.provider

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.teaching_languages.split(",") if code]

    def get_teaching_languages_display(self) -> str:
        names = dict(LANGUAGE_CHOICES)
        return ", ".join(str(names.get(code, code)) for code in self.language_list)

    @property
    def has_ended(self) -> bool:
        return self.end_date is not None and self.end_date < timezone.localdate()


class ApplicationWindow(TimeStampedModel):
    if TYPE_CHECKING:  # columns created by TranslatedField, declared for type checkers
        entry_requirements_fi: str
        entry_requirements_sv: str
        entry_requirements_en: str

    offering = models.ForeignKey(
        Offering, verbose_name=_("offering"), on_delete=models.CASCADE, related_name="application_windows"
    )
    opens = models.DateTimeField(_("opens"), null=True, blank=True)
    closes = models.DateTimeField(_("closes"), null=True, blank=True)
    continuous = models.BooleanField(_("continuous application"), default=False)
    url = models.URLField(_("application form"), max_length=500, blank=True)
    entry_requirements = translated(models.TextField(_("entry requirements"), blank=True), required=())

    class Meta:
        verbose_name = _("application window")
        verbose_name_plural = _("application windows")
        ordering = ["opens", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__isnull=True) | Q(opens__isnull=True) | Q(closes__gte=models.F("opens")),
                name="application_window_closes_after_opens",
            )
        ]

    def __str__(self) -> str:
        return f"{self.opens or ''} – {self.closes or ''}"

    @property
    def owner_organisation(self) -> Organisation:
        return self.offering.provider

    @property
    def is_open(self) -> bool:
        now = timezone.now()
        if self.continuous:
            return True
        return bool(self.opens and self.opens <= now and (self.closes is None or now <= self.closes))


class ImportRun(models.Model):
    """One import or harvest, with its progress and report, so long runs can be followed from the admin."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=40, help_text=_("e.g. import:opintopolku, harvest:susa"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_by = models.ForeignKey(
        "accounts.User", verbose_name=_("started by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), null=True, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, round(100 * self.progress_done / self.progress_total))
