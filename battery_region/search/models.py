"""Search state: the trilingual glossary (editable in the admin) and the search index bookkeeping.

The full-text structures themselves are engine-specific and created by migration 0002 with raw SQL:
SQLite gets an FTS5 table `search_fts` (plus an `fts5vocab` view and a trigram table for "did you mean");
PostgreSQL gets a `tsv tsvector` column on `search_document` with a GIN index and a `pg_trgm` index on the
vocabulary. `SearchDocument` is the portable part: one row per indexed (published) offering.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from battery_region.core.models import TimeStampedModel

GLOSSARY_LANGUAGES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]


class GlossaryConcept(TimeStampedModel):
    """One battery value-chain concept; its terms in fi/sv/en bridge a query into the other languages."""

    class Area(models.TextChoices):
        RAW_MATERIALS = "raw_materials", _("raw materials and mining")
        REFINING = "refining", _("refining and chemicals")
        ACTIVE_MATERIALS = "active_materials", _("active materials")
        CELL_MANUFACTURING = "cell_manufacturing", _("cell manufacturing")
        MODULE_PACK = "module_pack", _("modules, packs and systems")
        USE = "use", _("use, vehicles and energy storage")
        RECYCLING = "recycling", _("second life and recycling")
        CROSS_CUTTING = "cross_cutting", _("cross-cutting")
        OCCUPATION = "occupation", _("occupations and roles")
        EDUCATION = "education", _("education")

    key = models.SlugField(_("key"), max_length=100, unique=True)
    area = models.CharField(_("area"), max_length=30, choices=Area.choices, blank=True)
    note = models.TextField(_("note"), blank=True, help_text=_("What the concept covers, for editors."))
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Inactive concepts do not expand queries."))

    class Meta:
        db_table = "search_glossary_concept"
        verbose_name = _("glossary concept")
        verbose_name_plural = _("glossary concepts")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class GlossaryTerm(models.Model):
    """A term for a concept in one language: the preferred term, or a synonym (is_synonym)."""

    concept = models.ForeignKey(
        GlossaryConcept, verbose_name=_("concept"), on_delete=models.CASCADE, related_name="terms"
    )
    language = models.CharField(_("language"), max_length=2, choices=GLOSSARY_LANGUAGES)
    term = models.CharField(_("term"), max_length=200)
    is_synonym = models.BooleanField(_("synonym"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        db_table = "search_glossary_term"
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary terms")
        ordering = ["concept", "language", "is_synonym", "term"]
        constraints = [
            models.UniqueConstraint(fields=["concept", "language", "term"], name="search_glossary_term_unique")
        ]

    def __str__(self) -> str:
        return f"{self.term} ({self.language})"


class SearchDocument(models.Model):
    """The index row of one published offering: its filter values for facets and non-text filters.

    `facet_code` packs the facet values into one integer (see `facets.py`); on SQLite the FTS5 row id is
    `offering_id << 34 | facet_code`, so facets and filters are computed from the match set's row ids
    without reading any table.
    """

    offering = models.OneToOneField(
        "catalogue.Offering",
        verbose_name=_("offering"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_document",
    )
    fts_rowid = models.BigIntegerField(_("full-text row id"), unique=True)
    facet_code = models.BigIntegerField(_("facet code"))
    provider_id = models.BigIntegerField(_("provider id"), db_index=True)
    teaching_languages = models.CharField(_("teaching languages"), max_length=60, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True, db_index=True)
    start_year = models.PositiveSmallIntegerField(_("start year"), null=True, blank=True)
    start_season = models.CharField(_("start season"), max_length=10, blank=True)
    modified_at = models.DateTimeField(_("offering modified"), null=True, blank=True)
    indexed_at = models.DateTimeField(_("indexed"), auto_now=True)

    class Meta:
        db_table = "search_document"
        # Covers the facet counts of an empty query (code and start tier) without reading the table.
        indexes = [models.Index(fields=["facet_code", "start_date"], name="search_document_code_start")]
        verbose_name = _("search index entry")
        verbose_name_plural = _("search index entries")

    def __str__(self) -> str:
        return f"offering {self.offering_id}"


class SearchFacetValue(models.Model):
    """Small integer codes for open-ended facet values (regions), packed into `SearchDocument.facet_code`."""

    field = models.CharField(_("field"), max_length=30)
    value = models.CharField(_("value"), max_length=60)
    code = models.PositiveIntegerField(_("code"))

    class Meta:
        db_table = "search_facet_value"
        verbose_name = _("facet value code")
        verbose_name_plural = _("facet value codes")
        constraints = [
            models.UniqueConstraint(fields=["field", "value"], name="search_facet_value_unique"),
            models.UniqueConstraint(fields=["field", "code"], name="search_facet_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.field}={self.value} ({self.code})"


class SearchTerm(models.Model):
    """A word seen in indexed text: the vocabulary that "did you mean" suggestions come from."""

    term = models.CharField(_("term"), max_length=64, unique=True)

    class Meta:
        db_table = "search_term"
        verbose_name = _("vocabulary word")
        verbose_name_plural = _("vocabulary words")

    def __str__(self) -> str:
        return self.term
