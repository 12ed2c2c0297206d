"""ESCO occupations and skills, battery value-chain stages and roles, and programme tagging.

ESCO is one SKOS concept scheme: occupations, skills, ISCO groups and skill groups are all concepts keyed by
their URI. One table (`EscoConcept`) keeps the importer generic, lets a later Finnish or Swedish language pack
fill the `*_fi`/`*_sv` columns of the very same rows, and gives one place to resolve a URI. Roles and tags
point at concepts of the right kind; the services and `clean()` check the kind.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from battery_region.core.models import TimeStampedModel
from battery_region.core.translation import translated, translated_value
from battery_region.organisations.models import Organisation

ESCO_SKILL_PREFIX = "http://data.europa.eu/esco/skill/"
ESCO_OCCUPATION_PREFIX = "http://data.europa.eu/esco/occupation/"
_KEY_RE = re.compile(r"^[0-9a-f-]{36}$")


class EscoConceptQuerySet(models.QuerySet["EscoConcept"]):
    def occupations(self) -> EscoConceptQuerySet:
        return self.filter(kind=EscoConcept.Kind.OCCUPATION)

    def skills(self) -> EscoConceptQuerySet:
        return self.filter(kind=EscoConcept.Kind.SKILL)

    def matching(self, text: str) -> EscoConceptQuerySet:
        """Concepts whose label in any language (preferred or alternative) contains `text`."""
        words = text.casefold().split()
        qs = self
        for word in words:
            qs = qs.filter(search_text__contains=word)
        return qs


class EscoConcept(models.Model):
    """One ESCO concept (occupation, skill, ISCO group or skill group), labels per language."""

    class Kind(models.TextChoices):
        OCCUPATION = "occupation", _("occupation")
        SKILL = "skill", _("skill or knowledge")
        ISCO_GROUP = "isco_group", _("ISCO group")
        SKILL_GROUP = "skill_group", _("skill group")

    uri = models.CharField(_("ESCO URI"), max_length=255, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, db_index=True)
    code = models.CharField(
        _("code"), max_length=40, blank=True, help_text=_("ESCO code of an occupation or group; ISCO code.")
    )
    isco_code = models.CharField(_("ISCO-08 unit group"), max_length=4, blank=True, db_index=True)
    skill_type = models.CharField(_("skill type"), max_length=20, blank=True)
    reuse_level = models.CharField(_("reuse level"), max_length=25, blank=True)
    status = models.CharField(_("status"), max_length=20, blank=True)
    modified_at = models.DateTimeField(_("modified in ESCO"), null=True, blank=True)
    collections = models.JSONField(
        _("collections"), default=list, blank=True, help_text=_("ESCO collections, e.g. green, digital.")
    )
    preferred_label = translated(models.CharField(_("preferred label"), max_length=300, blank=True), required=())
    alt_labels = translated(
        models.TextField(_("alternative labels"), blank=True, help_text=_("One label per line.")), required=()
    )
    hidden_labels = translated(models.TextField(_("hidden labels"), blank=True), required=())
    description = translated(models.TextField(_("description"), blank=True), required=())
    # Every label of every language, case-folded: one indexed-free column that both databases search alike.
    search_text = models.TextField(_("search text"), blank=True, editable=False)
    broader: models.ManyToManyField[EscoConcept, EscoBroader] = models.ManyToManyField(
        "self",
        verbose_name=_("broader concepts"),
        through="EscoBroader",
        through_fields=("concept", "broader"),
        symmetrical=False,
        related_name="narrower",
        blank=True,
    )

    objects = EscoConceptQuerySet.as_manager()

    class Meta:
        verbose_name = _("ESCO concept")
        verbose_name_plural = _("ESCO concepts")
        ordering = ["preferred_label_en", "uri"]

    def __str__(self) -> str:
        return translated_value(self, "preferred_label") or self.uri

    def get_absolute_url(self) -> str:
        if self.kind == self.Kind.SKILL and _KEY_RE.match(self.key):
            return reverse("skills:skill", kwargs={"key": self.key})
        return self.uri

    @property
    def key(self) -> str:
        """The last segment of the URI (a UUID for occupations and skills), used in page addresses."""
        return self.uri.rstrip("/").rsplit("/", 1)[-1]

    @property
    def alt_label_list(self) -> list[str]:
        return [line for line in translated_value(self, "alt_labels").splitlines() if line.strip()]

    @property
    def is_green(self) -> bool:
        return "green" in (self.collections or [])


class EscoBroader(models.Model):
    """`concept` skos:broader `broader` (from broaderRelationsOccPillar.csv / broaderRelationsSkillPillar.csv)."""

    concept = models.ForeignKey(EscoConcept, on_delete=models.CASCADE, related_name="broader_links")
    broader = models.ForeignKey(EscoConcept, on_delete=models.CASCADE, related_name="narrower_links")

    class Meta:
        verbose_name = _("broader relation")
        verbose_name_plural = _("broader relations")
        constraints = [models.UniqueConstraint(fields=["concept", "broader"], name="esco_broader_unique")]

    def __str__(self) -> str:
        return f"{self.concept_id} → {self.broader_id}"


class RelationType(models.TextChoices):
    ESSENTIAL = "essential", _("essential")
    OPTIONAL = "optional", _("optional")


class EscoOccupationSkill(models.Model):
    """An ESCO occupation needs a skill, essentially or optionally (occupationSkillRelations.csv)."""

    occupation = models.ForeignKey(EscoConcept, on_delete=models.CASCADE, related_name="skill_relations")
    skill = models.ForeignKey(EscoConcept, on_delete=models.CASCADE, related_name="occupation_relations")
    relation_type = models.CharField(_("relation"), max_length=10, choices=RelationType.choices)

    class Meta:
        verbose_name = _("occupation–skill relation")
        verbose_name_plural = _("occupation–skill relations")
        constraints = [
            models.UniqueConstraint(fields=["occupation", "skill"], name="esco_occupation_skill_unique"),
            models.CheckConstraint(
                condition=Q(relation_type__in=RelationType.values), name="esco_occupation_skill_type"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occupation_id} {self.relation_type} {self.skill_id}"


class EscoSkillRelation(models.Model):
    """A skill relates to another skill (skillSkillRelations.csv)."""

    skill = models.ForeignKey(EscoConcept, on_delete=models.CASCADE, related_name="related_skill_links")
    related_skill = models.ForeignKey(EscoConcept, on_delete=models.CASCADE, related_name="+")
    relation_type = models.CharField(_("relation"), max_length=10, choices=RelationType.choices)

    class Meta:
        verbose_name = _("skill–skill relation")
        verbose_name_plural = _("skill–skill relations")
        constraints = [
            models.UniqueConstraint(fields=["skill", "related_skill"], name="esco_skill_skill_unique"),
            models.CheckConstraint(condition=Q(relation_type__in=RelationType.values), name="esco_skill_skill_type"),
        ]

    def __str__(self) -> str:
        return f"{self.skill_id} {self.relation_type} {self.related_skill_id}"


class EscoImportRun(models.Model):
    """One ESCO import that changed something; the audit trail points here with the run's summary."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    directory = models.CharField(_("directory"), max_length=500)
    languages = models.CharField(_("languages"), max_length=40, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)

    class Meta:
        verbose_name = _("ESCO import")
        verbose_name_plural = _("ESCO imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"ESCO {self.languages} {self.created_at:%Y-%m-%d %H:%M}"


class ValueChainStage(TimeStampedModel):
    """A stage of the battery value chain, from raw materials to recycling (plus cross-cutting work)."""

    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = translated(models.CharField(_("name"), max_length=120))
    description = translated(models.TextField(_("description"), blank=True), required=())
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("value-chain stage")
        verbose_name_plural = _("value-chain stages")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return translated_value(self, "name")


class Role(TimeStampedModel):
    """A battery-industry job role: stage, typical EQF level, ESCO occupations and skills, source.

    Local roles (`is_local`) are jobs ESCO v1.1.1 does not name (e.g. formation operator); they hang under
    their nearest ESCO occupation(s).
    """

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    stage = models.ForeignKey(
        ValueChainStage, verbose_name=_("value-chain stage"), on_delete=models.PROTECT, related_name="roles"
    )
    name = translated(models.CharField(_("name"), max_length=200))
    description = translated(models.TextField(_("what the role does"), blank=True), required=())
    keywords = translated(
        models.TextField(
            _("keywords"), blank=True, help_text=_("Comma-separated synonyms used to suggest tags for programmes.")
        ),
        required=(),
    )
    eqf_min = models.PositiveSmallIntegerField(
        _("typical EQF level (from)"), validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    eqf_max = models.PositiveSmallIntegerField(
        _("typical EQF level (to)"), validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    is_local = models.BooleanField(_("local role"), default=False, help_text=_("ESCO has no occupation for this role."))
    source = models.TextField(_("source"), help_text=_("Where the role, its level and its links come from."))

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["stage__position", "position", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(eqf_min__gte=1, eqf_max__lte=8, eqf_min__lte=models.F("eqf_max")),
                name="role_eqf_range",
            ),
            models.CheckConstraint(condition=~Q(source=""), name="role_cites_source"),
        ]

    def __str__(self) -> str:
        return translated_value(self, "name")

    def get_absolute_url(self) -> str:
        return reverse("skills:role", kwargs={"slug": self.slug})

    @property
    def eqf_display(self) -> str:
        return str(self.eqf_min) if self.eqf_min == self.eqf_max else f"{self.eqf_min}–{self.eqf_max}"

    def clean(self) -> None:
        if self.eqf_min and self.eqf_max and self.eqf_min > self.eqf_max:
            raise ValidationError({"eqf_max": _("The upper EQF level must not be below the lower one.")})


class RoleOccupation(models.Model):
    """A role's ESCO occupation, by URI, linked to the concept once ESCO is imported."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="occupation_links")
    occupation_uri = models.CharField(_("ESCO occupation URI"), max_length=255)
    occupation = models.ForeignKey(
        EscoConcept,
        verbose_name=_("ESCO occupation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="role_occupation_links",
        limit_choices_to={"kind": EscoConcept.Kind.OCCUPATION},
    )
    label = models.CharField(
        _("label"), max_length=300, blank=True, help_text=_("English ESCO label, shown until ESCO is imported.")
    )
    is_nearest = models.BooleanField(
        _("nearest occupation"), default=False, help_text=_("The role is narrower than this ESCO occupation.")
    )

    class Meta:
        verbose_name = _("role occupation")
        verbose_name_plural = _("role occupations")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["role", "occupation_uri"], name="role_occupation_unique")]

    def __str__(self) -> str:
        return str(self.occupation) if self.occupation_id else (self.label or self.occupation_uri)

    def clean(self) -> None:
        if self.occupation_id and self.occupation and self.occupation.kind != EscoConcept.Kind.OCCUPATION:
            raise ValidationError({"occupation": _("Choose an ESCO occupation.")})


class RoleSkill(models.Model):
    """A skill or knowledge a role needs, by ESCO URI, linked to the concept once ESCO is imported."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="skill_links")
    skill_uri = models.CharField(_("ESCO skill URI"), max_length=255)
    skill = models.ForeignKey(
        EscoConcept,
        verbose_name=_("ESCO skill"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="role_skill_links",
        limit_choices_to={"kind": EscoConcept.Kind.SKILL},
    )
    label = models.CharField(
        _("label"), max_length=300, blank=True, help_text=_("English ESCO label, shown until ESCO is imported.")
    )
    importance = models.CharField(
        _("importance"), max_length=10, choices=RelationType.choices, default=RelationType.ESSENTIAL
    )
    linked_in_esco = models.BooleanField(
        _("linked in ESCO"),
        default=True,
        help_text=_("ESCO links this skill to one of the role's occupations; otherwise a local proposal."),
    )

    class Meta:
        verbose_name = _("role skill")
        verbose_name_plural = _("role skills")
        ordering = ["importance", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["role", "skill_uri"], name="role_skill_unique"),
            models.CheckConstraint(condition=Q(importance__in=RelationType.values), name="role_skill_importance"),
        ]

    def __str__(self) -> str:
        return str(self.skill) if self.skill_id else (self.label or self.skill_uri)

    def clean(self) -> None:
        if self.skill_id and self.skill and self.skill.kind != EscoConcept.Kind.SKILL:
            raise ValidationError({"skill": _("Choose an ESCO skill.")})


class ProgrammeTagQuerySet(models.QuerySet["ProgrammeTag"]):
    def accepted(self) -> ProgrammeTagQuerySet:
        return self.filter(status=ProgrammeTag.Status.ACCEPTED)

    def suggested(self) -> ProgrammeTagQuerySet:
        return self.filter(status=ProgrammeTag.Status.SUGGESTED)

    def public(self) -> ProgrammeTagQuerySet:
        """Accepted tags of published programmes: what the public pages and the coverage count."""
        return self.accepted().filter(programme__published=True)


class ProgrammeTag(TimeStampedModel):
    """A programme is tagged with one value-chain stage, role or ESCO skill.

    The platform only ever *suggests*; an editor of the programme's provider accepts or rejects, or tags by
    hand (accepted at once). A rejected suggestion stays, so it is not suggested again.
    """

    class Status(models.TextChoices):
        SUGGESTED = "suggested", _("suggested")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    class Origin(models.TextChoices):
        MANUAL = "manual", _("tagged by hand")
        SUGGESTION = "suggestion", _("suggested by the platform")

    programme = models.ForeignKey(
        "catalogue.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, related_name="skill_tags"
    )
    stage = models.ForeignKey(
        ValueChainStage,
        verbose_name=_("value-chain stage"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programme_tags",
    )
    role = models.ForeignKey(
        Role, verbose_name=_("role"), null=True, blank=True, on_delete=models.PROTECT, related_name="programme_tags"
    )
    skill = models.ForeignKey(
        EscoConcept,
        verbose_name=_("ESCO skill"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programme_tags",
        limit_choices_to={"kind": EscoConcept.Kind.SKILL},
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, db_index=True)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why the platform suggested this tag."))
    evidence = models.JSONField(_("matched words"), default=list, blank=True)
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("suggested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = ProgrammeTagQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme tag")
        verbose_name_plural = _("programme tags")
        ordering = ["programme", "status", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(stage__isnull=False, role__isnull=True, skill__isnull=True)
                    | Q(stage__isnull=True, role__isnull=False, skill__isnull=True)
                    | Q(stage__isnull=True, role__isnull=True, skill__isnull=False)
                ),
                name="programme_tag_one_target",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["suggested", "accepted", "rejected"]), name="programme_tag_status"
            ),
            models.CheckConstraint(condition=Q(origin__in=["manual", "suggestion"]), name="programme_tag_origin"),
            models.CheckConstraint(
                condition=Q(status="suggested") | Q(decided_at__isnull=False), name="programme_tag_decision_dated"
            ),
            models.UniqueConstraint(
                fields=["programme", "stage"], condition=Q(stage__isnull=False), name="programme_tag_unique_stage"
            ),
            models.UniqueConstraint(
                fields=["programme", "role"], condition=Q(role__isnull=False), name="programme_tag_unique_role"
            ),
            models.UniqueConstraint(
                fields=["programme", "skill"], condition=Q(skill__isnull=False), name="programme_tag_unique_skill"
            ),
        ]
        indexes = [models.Index(fields=["status", "skill"]), models.Index(fields=["status", "role"])]

    def __str__(self) -> str:
        return f"{self.programme_id}: {self.target} ({self.status})"

    @property
    def target(self) -> ValueChainStage | Role | EscoConcept | None:
        return self.stage or self.role or self.skill

    @property
    def kind(self) -> str:
        if self.stage_id:
            return "stage"
        if self.role_id:
            return "role"
        return "skill"

    @property
    def owner_organisation(self) -> Organisation:
        return self.programme.provider

    def clean(self) -> None:
        if self.skill_id and self.skill and self.skill.kind != EscoConcept.Kind.SKILL:
            raise ValidationError({"skill": _("Choose an ESCO skill.")})
