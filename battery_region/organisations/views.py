"""Organisation directory and editing: thin views over selectors, services and the access helper."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from battery_region.organisations import services
from battery_region.organisations.access import can_edit, require_edit
from battery_region.organisations.forms import ContactPointForm, OrganisationFilterForm, OrganisationForm
from battery_region.organisations.models import ContactPoint, Organisation
from battery_region.organisations.selectors import (
    OrganisationFilters,
    organisation_get_public,
    organisation_list,
    organisation_regions,
)


def directory(request: HttpRequest) -> HttpResponse:
    form = OrganisationFilterForm(request.GET or None, regions=organisation_regions())
    filters = OrganisationFilters()
    if form.is_valid():
        filters = OrganisationFilters(**form.cleaned_data)
    page = Paginator(organisation_list(filters=filters), 30).get_page(request.GET.get("page"))
    template = "organisations/_results.html" if request.htmx else "organisations/directory.html"  # type: ignore[attr-defined]
    return render(request, template, {"form": form, "page": page})


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        organisation = organisation_get_public(slug=slug)
    except Organisation.DoesNotExist as exc:
        raise Http404 from exc
    return render(
        request,
        "organisations/detail.html",
        {"organisation": organisation, "can_edit": can_edit(request.user, organisation)},
    )


@login_required
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    require_edit(request.user, organisation)
    form = OrganisationForm(request.POST or None, instance=Organisation.objects.get(pk=organisation.pk))
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in OrganisationForm.Meta.fields}
        services.organisation_update(actor=request.user, organisation=organisation, data=data)
        messages.success(request, _("The organisation was saved."))
        return redirect(organisation)
    contacts = organisation.contact_points.all()
    return render(
        request, "organisations/edit.html", {"organisation": organisation, "form": form, "contacts": contacts}
    )


def _contact_for_editor(request: HttpRequest, slug: str, pk: int) -> ContactPoint:
    contact = get_object_or_404(ContactPoint.objects.select_related("organisation"), pk=pk, organisation__slug=slug)
    require_edit(request.user, contact)
    return contact


@login_required
def contact_create(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    require_edit(request.user, organisation)
    form = ContactPointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in ContactPointForm.Meta.fields}
        services.contact_point_create(actor=request.user, organisation=organisation, data=data)
        messages.success(request, _("The contact point was added."))
        return redirect("organisations:edit", slug=slug)
    return render(request, "organisations/contact_form.html", {"organisation": organisation, "form": form})


@login_required
def contact_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    contact = _contact_for_editor(request, slug, pk)
    form = ContactPointForm(request.POST or None, instance=ContactPoint.objects.get(pk=contact.pk))
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in ContactPointForm.Meta.fields}
        services.contact_point_update(actor=request.user, contact=contact, data=data)
        messages.success(request, _("The contact point was saved."))
        return redirect("organisations:edit", slug=slug)
    return render(
        request,
        "organisations/contact_form.html",
        {"organisation": contact.organisation, "form": form, "contact": contact},
    )


@login_required
@require_POST
def contact_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    contact = _contact_for_editor(request, slug, pk)
    services.contact_point_delete(actor=request.user, contact=contact)
    messages.success(request, _("The contact point was removed."))
    return redirect("organisations:edit", slug=slug)
