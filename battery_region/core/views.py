"""Home page and the landing pages of areas that are still being built."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from battery_region.organisations.models import Organisation

AREAS = {
    "catalogue": (
        _("Education catalogue"),
        _("Programmes, qualifications and courses on both sides of the border, with levels and credits."),
    ),
    "skills": (
        _("Roles and skills"),
        _("Battery value-chain roles, the skills they need and the programmes that teach them."),
    ),
    "needs": (
        _("Training needs"),
        _("Demand from battery plants, supply from programmes and the gap by role, region and year."),
    ),
    "community": (
        _("Community"),
        _("Events, news, projects and contact points of the Battery Region network."),
    ),
    "exchange": (
        _("Student exchange"),
        _("The pilot exchange between Finland and Sweden: calls, applications and learning agreements."),
    ),
    "partnership": (
        _("Partnership"),
        _("The letter of intent, the partners' commitments and how they are followed up."),
    ),
}


# Areas that have their own pages; the others show what is coming.
AREA_URLS = {"catalogue": "catalogue:list", "skills": "skills:overview"}


def _area_url(key: str) -> str:
    return reverse(AREA_URLS[key]) if key in AREA_URLS else reverse("core:area", args=[key])


def home(request: HttpRequest) -> HttpResponse:
    partners = Organisation.objects.filter(source="demo-loi").order_by("country", "name_fi")
    return render(
        request,
        "core/home.html",
        {
            "areas": [(_area_url(key), title, text) for key, (title, text) in AREAS.items()],
            "partners": partners,
            "organisation_count": Organisation.objects.count(),
        },
    )


def area(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in AREAS or slug in AREA_URLS:
        raise Http404
    title, text = AREAS[slug]
    return render(request, "core/area.html", {"slug": slug, "title": title, "text": text})
