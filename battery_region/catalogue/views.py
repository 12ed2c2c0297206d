"""Catalogue pages (filled in below)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from battery_region.catalogue.models import Offering, Programme


def offering_list(request: HttpRequest) -> HttpResponse:
    return render(request, "catalogue/list.html", {"offerings": Offering.objects.published()[:50]})


def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(
        request,
        "catalogue/programme.html",
        {"programme": get_object_or_404(Programme.objects.published(), pk=pk)},
    )


def offering_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(
        request,
        "catalogue/offering.html",
        {"offering": get_object_or_404(Offering.objects.published(), pk=pk)},
    )
