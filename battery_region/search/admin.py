from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from battery_region.core.admin import AuditedAdmin
from battery_region.search import analysis, glossary
from battery_region.search.models import GlossaryConcept, GlossaryTerm, SearchDocument


def _analysis_notices(request: HttpRequest) -> None:
    """Show the fallback notices (no Voikko, no Swedish dictionary) on the search admin pages."""
    for notice in analysis.analysis_status()["notices"]:
        messages.warning(request, notice)


class GlossaryTermInline(admin.TabularInline):
    model = GlossaryTerm
    extra = 3
    fields = ("language", "term", "is_synonym")


@admin.register(GlossaryConcept)
class GlossaryConceptAdmin(AuditedAdmin):
    list_display = ("key", "area", "is_active", "term_list")
    list_filter = ("area", "is_active")
    search_fields = ("key", "note", "terms__term")
    inlines = [GlossaryTermInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[GlossaryConcept]:
        return super().get_queryset(request).prefetch_related("terms")

    @admin.display(description=_("terms"))
    def term_list(self, obj: GlossaryConcept) -> str:
        return "; ".join(f"{t.language}: {t.term}" for t in obj.terms.all() if not t.is_synonym)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        _analysis_notices(request)
        return super().changelist_view(request, extra_context)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        glossary.invalidate()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        glossary.invalidate()


@admin.register(SearchDocument)
class SearchDocumentAdmin(admin.ModelAdmin):
    """Read-only view of the index bookkeeping (rebuild with `manage.py rebuild_search_index`)."""

    list_display = ("offering", "provider_id", "start_date", "indexed_at")
    list_select_related = ("offering",)
    readonly_fields = [f.name for f in SearchDocument._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        _analysis_notices(request)
        return super().changelist_view(request, extra_context)
