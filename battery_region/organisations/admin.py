from django.contrib import admin

from battery_region.core.admin import AuditedAdmin
from battery_region.organisations.models import ContactPoint, Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


class ContactPointInline(admin.StackedInline):
    model = ContactPoint
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ("name_fi", "kind", "country", "region", "municipality_code", "source")
    list_filter = ("kind", "country", "region", "source")
    search_fields = ("name_fi", "name_sv", "name_en", "source_id")
    prepopulated_fields = {"slug": ("name_en",)}
    autocomplete_fields = ("parent",)
    inlines = (MembershipInline, ContactPointInline)


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "organisation", "role")
    list_filter = ("role",)
    autocomplete_fields = ("user", "organisation")
