from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from battery_region.core.audit import audit_record, snapshot
from battery_region.core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by services, never edited by hand."""

    list_display = ("created_at", "actor_label", "action", "content_type", "object_repr")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "actor_label", "object_id")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class AuditedAdmin(admin.ModelAdmin):
    """Admin edits are writes too: record them in the audit trail like the services do."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        unchanged = before is not None and snapshot(obj) == before  # e.g. saved only to edit an inline
        super().save_model(request, obj, form, change)
        if unchanged:
            return
        audit_record(
            actor=request.user,
            action="update" if change else "create",
            instance=obj,
            before=before,
            after=snapshot(obj),
            message="admin",
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(actor=request.user, action="delete", instance=obj, before=snapshot(obj), message="admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            audit_record(actor=request.user, action="delete", instance=obj, before=snapshot(obj), message="admin")
        super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            audit_record(actor=request.user, action="delete", instance=obj, before=snapshot(obj), message="admin")
            obj.delete()
        for obj in instances:
            existing = type(obj).objects.filter(pk=obj.pk).first() if obj.pk else None
            obj.save()
            audit_record(
                actor=request.user,
                action="update" if existing else "create",
                instance=obj,
                before=snapshot(existing) if existing else None,
                after=snapshot(obj),
                message="admin",
            )
        formset.save_m2m()
