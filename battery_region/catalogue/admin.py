from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from battery_region.catalogue.models import ApplicationWindow, ImportRun, IscedField, Offering, Programme
from battery_region.core.admin import AuditedAdmin


@admin.register(IscedField)
class IscedFieldAdmin(AuditedAdmin):
    list_display = ("code", "name_fi", "name_sv", "name_en")
    search_fields = ("code", "name_fi", "name_sv", "name_en")


class OfferingInline(admin.TabularInline):
    model = Offering
    fields = ("title_fi", "country", "start_precision", "start_date", "status", "open_for_exchange")
    extra = 0
    show_change_link = True


@admin.register(Programme)
class ProgrammeAdmin(AuditedAdmin):
    list_display = ("title_fi", "provider", "eqf_level", "credits_value", "credits_system", "source", "published")
    list_filter = ("published", "eqf_level", "credits_system", "source", "provider__country")
    search_fields = ("title_fi", "title_sv", "title_en", "source_id", "national_code")
    autocomplete_fields = ("provider",)
    filter_horizontal = ("isced_fields",)
    readonly_fields = ("source", "source_id", "source_url", "source_modified", "content_hash", "imported_at")
    inlines = (OfferingInline,)


class ApplicationWindowInline(admin.TabularInline):
    model = ApplicationWindow
    extra = 0


@admin.register(Offering)
class OfferingAdmin(AuditedAdmin):
    list_display = ("__str__", "provider", "country", "region", "start_date", "status", "open_for_exchange")
    list_filter = ("status", "country", "region", "mode", "open_for_exchange", "source")
    search_fields = ("title_fi", "title_sv", "title_en", "programme__title_fi", "source_id")
    autocomplete_fields = ("programme", "provider")
    readonly_fields = ("source", "source_id", "source_url", "source_modified", "content_hash", "imported_at")
    inlines = (ApplicationWindowInline,)


class HarvestForm(forms.Form):
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[("opintopolku", _("Opintopolku (konfo-backend)")), ("susa", _("Susa-navet EMIL3"))],
    )
    base_url = forms.URLField(label=_("Base URL"), required=False, help_text=_("Leave empty for the official API."))
    since = forms.DateField(label=_("Changed since"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    dry_run = forms.BooleanField(label=_("Dry run (write nothing)"), required=False)


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Imports and harvests with their progress; harvests are started here and run in the task worker."""

    list_display = ("created_at", "kind", "status", "progress", "started_by", "finished_at")
    list_filter = ("status", "kind")
    readonly_fields = [f.name for f in ImportRun._meta.fields]
    change_list_template = "admin/catalogue/importrun/change_list.html"

    @admin.display(description=_("progress"))
    def progress(self, obj: ImportRun) -> str:
        percent = obj.progress_percent
        return f"{obj.progress_done} / {obj.progress_total or '?'}" + (f" ({percent} %)" if percent is not None else "")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        return [
            path("harvest/", self.admin_site.admin_view(self.start_harvest), name="catalogue_importrun_harvest"),
            *super().get_urls(),
        ]

    def start_harvest(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_superuser:
            messages.error(request, _("Only platform administrators start harvests."))
            return redirect("admin:catalogue_importrun_changelist")
        form = HarvestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            from battery_region.catalogue.tasks import harvest_task

            data = form.cleaned_data
            run = ImportRun.objects.create(
                kind=f"harvest:{data['source']}",
                started_by=request.user,
                parameters={
                    "source": data["source"],
                    "base_url": data["base_url"] or "",
                    "since": data["since"].isoformat() if data["since"] else "",
                    "dry_run": data["dry_run"],
                },
            )
            harvest_task.enqueue(run.pk)
            messages.success(request, _("The harvest was queued; its progress shows in this list."))
            return redirect("admin:catalogue_importrun_change", run.pk)
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": _("Start a harvest"),
            "opts": self.model._meta,
        }
        return render(request, "admin/catalogue/importrun/harvest.html", context)
