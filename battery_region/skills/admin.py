"""Admin: roles and stages are edited here (audited); ESCO data is imported, so it is read-mostly."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from battery_region.core.audit import audit_record, snapshot
from battery_region.skills.models import (
    EscoConcept,
    EscoImportRun,
    ProgrammeTag,
    Role,
    RoleOccupation,
    RoleSkill,
    ValueChainStage,
)


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletions from the admin leave the same audit entries as the services do."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="update" if change else "create",
            instance=obj,
            before=before,
            after=snapshot(obj),
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(actor=request.user, action="delete", instance=obj, before=snapshot(obj))
        super().delete_model(request, obj)


@admin.register(EscoConcept)
class EscoConceptAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "code", "isco_code", "skill_type", "uri")
    list_filter = ("kind", "skill_type", "reuse_level")
    search_fields = ("uri", "search_text")
    readonly_fields = ("uri", "kind", "search_text", "modified_at")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # concepts come from the ESCO import only


@admin.register(EscoImportRun)
class EscoImportRunAdmin(admin.ModelAdmin):
    list_display = ("created_at", "languages", "directory", "started_by")
    readonly_fields = ("created_at", "languages", "directory", "started_by", "report")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ValueChainStage)
class ValueChainStageAdmin(AuditedAdmin):
    list_display = ("__str__", "slug", "position")
    ordering = ("position",)


class RoleOccupationInline(admin.TabularInline):
    model = RoleOccupation
    extra = 0
    autocomplete_fields = ("occupation",)
    fields = ("occupation_uri", "occupation", "label", "is_nearest")


class RoleSkillInline(admin.TabularInline):
    model = RoleSkill
    extra = 0
    autocomplete_fields = ("skill",)
    fields = ("skill_uri", "skill", "label", "importance", "linked_in_esco")


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    list_display = ("__str__", "stage", "eqf_min", "eqf_max", "is_local", "position")
    list_filter = ("stage", "is_local")
    search_fields = ("slug", "name_fi", "name_sv", "name_en", "keywords_fi", "keywords_sv", "keywords_en")
    inlines = (RoleOccupationInline, RoleSkillInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Role]:
        return super().get_queryset(request).select_related("stage")


@admin.register(ProgrammeTag)
class ProgrammeTagAdmin(AuditedAdmin):
    list_display = ("programme", "stage", "role", "skill", "status", "origin", "decided_by", "decided_at")
    list_filter = ("status", "origin")
    raw_id_fields = ("programme", "skill", "role", "stage", "suggested_by", "decided_by")
    readonly_fields = ("evidence",)
