"""Organisations, memberships (the only source of write rights) and contact points."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from battery_region.core.models import TimeStampedModel
from battery_region.core.translation import translated

# Namespaced municipality codes: Statistics Finland's kunta (3 digits) or SCB's kommun (4 digits).
MUNICIPALITY_CODE_RE = re.compile(r"^(FI-kunta:\d{3}|SE-kommun:\d{4})$")
NUTS3_RE = re.compile(r"^(FI|SE)[0-9A-Z]{3}$")


def validate_municipality_code(value: str) -> None:
    if value and not MUNICIPALITY_CODE_RE.match(value):
        raise ValidationError(
            _("Use a namespaced code such as FI-kunta:564 or SE-kommun:2482."), code="invalid_municipality"
        )


def validate_nuts3(value: str) -> None:
    if value and not NUTS3_RE.match(value):
        raise ValidationError(_("Use a NUTS-3 code such as FI1D9 or SE331."), code="invalid_nuts3")


class Country(models.TextChoices):
    FI = "FI", _("Finland")
    SE = "SE", _("Sweden")
    NO = "NO", _("Norway")
    OTHER = "XX", _("Other")


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def editable_by(self, user: object) -> OrganisationQuerySet:
        from battery_region.organisations.access import editable_organisation_ids

        return self.filter(pk__in=editable_organisation_ids(user))


class Organisation(TimeStampedModel):
    if TYPE_CHECKING:  # columns created by TranslatedField, declared for type checkers
        name_fi: str
        name_sv: str
        name_en: str
        description_fi: str
        description_sv: str
        description_en: str

    class Kind(models.TextChoices):
        REGION_AUTHORITY = "region_authority", _("Regional authority")
        MUNICIPALITY = "municipality", _("Municipality")
        EDUCATION_PROVIDER = "education_provider", _("Education provider")
        UNIVERSITY = "university", _("University")
        COMPANY = "company", _("Company")
        RESEARCH_BODY = "research_body", _("Research body")
        NETWORK = "network", _("Network")
        OTHER = "other", _("Other")

    name = translated(models.CharField(_("name"), max_length=200))
    description = translated(models.TextField(_("description"), blank=True), required=())
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, db_index=True)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, db_index=True)
    region = models.CharField(
        _("region (NUTS-3)"), max_length=5, blank=True, db_index=True, validators=[validate_nuts3]
    )
    municipality_code = models.CharField(
        _("municipality code"), max_length=20, blank=True, validators=[validate_municipality_code]
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    website = models.URLField(_("website"), blank=True)
    source = models.CharField(_("source"), max_length=50, blank=True)
    source_id = models.CharField(_("source id"), max_length=200, blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name_fi"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~models.Q(source=""),
                name="organisation_unique_source_id",
            ),
        ]

    def __str__(self) -> str:
        return str(self.name)

    def clean(self) -> None:
        if self.region and self.country in {"FI", "SE"} and not self.region.startswith(self.country):
            raise ValidationError({"region": _("The region must be in the organisation's country.")})
        if self.municipality_code:
            prefix = {"FI": "FI-kunta:", "SE": "SE-kommun:"}.get(self.country)
            if prefix and not self.municipality_code.startswith(prefix):
                raise ValidationError(
                    {"municipality_code": _("The municipality code must be in the organisation's country.")}
                )
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("An organisation cannot be its own ancestor.")})
            ancestor = ancestor.parent

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("organisations:detail", kwargs={"slug": self.slug})


class Membership(TimeStampedModel):
    """A user's role in one organisation; write rights come from here and nowhere else."""

    class Role(models.TextChoices):
        VIEWER = "viewer", _("Viewer")
        EDITOR = "editor", _("Editor")
        ADMIN = "admin", _("Administrator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique_user_org")]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"


class ContactPointQuerySet(models.QuerySet["ContactPoint"]):
    def public(self) -> ContactPointQuerySet:
        """Only people who consented to being listed are shown to the public."""
        return self.filter(consent_given=True, consent_withdrawn_at__isnull=True)


class ContactPoint(TimeStampedModel):
    """A person's role in the network on behalf of an organisation."""

    if TYPE_CHECKING:  # columns created by TranslatedField, declared for type checkers
        title_fi: str
        title_sv: str
        title_en: str

    class Role(models.TextChoices):
        SIGNATORY = "signatory", _("Signatory")
        COORDINATOR = "coordinator", _("Coordinator")
        CONTACT = "contact", _("Contact person")
        MENTOR = "mentor", _("Mentor")
        SUPERVISOR = "supervisor", _("Workplace supervisor")
        EXCHANGE_COORDINATOR = "exchange_coordinator", _("Exchange coordinator")
        COMMUNICATIONS = "communications", _("Communications")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="contact_points"
    )
    name = models.CharField(_("name"), max_length=200)
    title = translated(models.CharField(_("title"), max_length=200, blank=True), required=())
    role = models.CharField(_("role in the network"), max_length=30, choices=Role.choices)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    consent_given = models.BooleanField(_("consents to being listed publicly"), default=False)
    consent_date = models.DateField(_("date of consent"), null=True, blank=True)
    consent_withdrawn_at = models.DateTimeField(_("consent withdrawn"), null=True, blank=True)

    objects = ContactPointQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        ordering = ["organisation_id", "role", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    @property
    def owner_organisation(self) -> Organisation:
        return self.organisation

    def clean(self) -> None:
        if self.consent_given and not self.consent_date:
            raise ValidationError({"consent_date": _("Record the date on which consent was given.")})
        if not self.consent_given and self.consent_date:
            raise ValidationError({"consent_given": _("A consent date is set but consent is not ticked.")})
