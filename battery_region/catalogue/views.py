"""Catalogue pages: public list and details, editors' forms, uploads and the data-quality report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from battery_region.catalogue import exports, quality, selectors, services, uploads
from battery_region.catalogue.counterparts import programme_counterparts
from battery_region.catalogue.filters import CatalogueFilters
from battery_region.catalogue.forms import CatalogueFilterForm, ImportUploadForm, OfferingForm, ProgrammeForm
from battery_region.catalogue.importers.base import get_parser
from battery_region.catalogue.importers.writer import run_import
from battery_region.catalogue.models import LANGUAGE_CHOICES, CreditSystemChoices, Offering, Programme
from battery_region.organisations.access import can_edit, editable_organisation_ids, editable_organisations
from battery_region.organisations.models import Country, Organisation

PAGE_SIZE = 20


def _filter_form(request: HttpRequest) -> CatalogueFilterForm:
    form = CatalogueFilterForm(request.GET or None, regions=selectors.offering_regions())
    form.is_valid()
    return form


def offering_list(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request)
    valid = form.is_bound and form.is_valid()
    filters = form.to_filters() if valid else CatalogueFilters()
    q = form.cleaned_data.get("q", "") if valid else ""
    page_number = _page_number(request)
    result = selectors.catalogue_search(
        q=q, language=get_language() or "fi", filters=filters, page=page_number, page_size=PAGE_SIZE
    )
    paginator = Paginator(range(result.total), PAGE_SIZE)
    context = {
        "form": form,
        "result": result,
        "page": paginator.get_page(page_number),
        "offerings": result.offerings,
        "query_string": request.GET.urlencode(),
        "facet_groups": facet_groups(result.facets, request),
    }
    template = "catalogue/_results.html" if getattr(request, "htmx", False) else "catalogue/list.html"
    return render(request, template, context)


FACET_LABELS = {
    "country": _lazy("Country"),
    "region": _lazy("Region"),
    "eqf_level": _lazy("EQF level"),
    "credits_system": _lazy("Credit system"),
    "language": _lazy("Teaching language"),
    "mode": _lazy("Mode"),
    "open_for_exchange": _lazy("Open for exchange"),
}


def _facet_value_label(name: str, value: str) -> str:
    choices: dict[str, Any] = {
        "country": dict(Country.choices),
        "credits_system": dict(CreditSystemChoices.choices),
        "language": dict(LANGUAGE_CHOICES),
        "mode": dict(Offering.Mode.choices),
        "open_for_exchange": {"true": _lazy("Yes"), "false": _lazy("No"), "True": _lazy("Yes"), "False": _lazy("No")},
    }.get(name, {})
    return str(choices.get(value, value))


def facet_groups(facets: dict[str, list[tuple[str, int]]], request: HttpRequest) -> list[dict[str, Any]]:
    """Facet counts as links that add one filter to the current query (and go back to page 1)."""
    groups = []
    for name, values in facets.items():
        if name not in FACET_LABELS or not values:
            continue
        items = []
        for value, count in values:
            params = request.GET.copy()
            params.pop("page", None)
            url_value = {"true": "yes", "false": "no", "True": "yes", "False": "no"}.get(str(value), str(value))
            params[name] = url_value
            items.append(
                {"label": _facet_value_label(name, str(value)), "count": count, "url": "?" + params.urlencode()}
            )
        groups.append({"label": FACET_LABELS[name], "items": items})
    return groups


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def export_list(request: HttpRequest, fmt: str) -> HttpResponseBase:
    form = _filter_form(request)
    valid = form.is_bound and form.is_valid()
    filters = form.to_filters() if valid else CatalogueFilters()
    q = form.cleaned_data.get("q", "") if valid else ""
    offerings = selectors.catalogue_export_queryset(q=q, language=get_language() or "fi", filters=filters)
    if fmt == "csv":
        return exports.offerings_csv_response(offerings)
    if fmt == "xlsx":
        return exports.offerings_xlsx_response(offerings)
    raise Http404


def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.select_related("provider").prefetch_related("isced_fields"), pk=pk)
    editable = can_edit(request.user, programme)
    if not programme.published and not editable:
        raise Http404
    offerings = programme.offerings.published().prefetch_related("application_windows")
    return render(
        request,
        "catalogue/programme.html",
        {"programme": programme, "offerings": offerings, "can_edit": editable, "tags": _accepted_tags(programme)},
    )


def _accepted_tags(programme: Programme) -> list[Any]:
    """The programme's accepted stages, roles and skills (the skills app owns tagging)."""
    try:
        from battery_region.skills.models import ProgrammeTag
    except ImportError:
        return []
    return list(ProgrammeTag.objects.accepted().filter(programme=programme).select_related("stage", "role", "skill"))


def offering_detail(request: HttpRequest, pk: int) -> HttpResponse:
    offering = get_object_or_404(
        Offering.objects.select_related("programme", "provider").prefetch_related("application_windows"), pk=pk
    )
    editable = can_edit(request.user, offering)
    if offering.status == Offering.Status.DRAFT and not editable:
        raise Http404
    if not offering.programme.published and not editable:
        raise Http404
    return render(
        request,
        "catalogue/offering.html",
        {"offering": offering, "programme": offering.programme, "can_edit": editable},
    )


def counterparts(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.published().select_related("provider"), pk=pk)
    return render(
        request,
        "catalogue/counterparts.html",
        {
            "programme": programme,
            "counterparts": programme_counterparts(programme),
            "own_offerings": programme.offerings.published(),
        },
    )


# --- editors ----------------------------------------------------------------------------------------------


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    organisations = editable_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied
    programmes = (
        Programme.objects.filter(provider__in=organisations)
        .select_related("provider")
        .order_by("provider_id", "title_fi")
    )
    return render(request, "catalogue/manage.html", {"organisations": organisations, "programmes": programmes})


@login_required
def programme_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    provider = get_object_or_404(Organisation, slug=org_slug)
    if not can_edit(request.user, provider):
        raise PermissionDenied
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        programme = services.programme_create(
            actor=request.user, provider=provider, data=form.model_data(), isced_codes=form.cleaned_data["isced_codes"]
        )
        messages.success(request, _("The programme was saved."))
        return redirect(programme)
    return render(request, "catalogue/programme_form.html", {"form": form, "provider": provider})


@login_required
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=pk)
    if not can_edit(request.user, programme):
        raise PermissionDenied
    form = ProgrammeForm(request.POST or None, instance=Programme.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        services.programme_update(
            actor=request.user,
            programme=programme,
            data=form.model_data(),
            isced_codes=form.cleaned_data["isced_codes"],
        )
        messages.success(request, _("The programme was saved."))
        return redirect(programme)
    return render(
        request, "catalogue/programme_form.html", {"form": form, "provider": programme.provider, "programme": programme}
    )


@login_required
@require_POST
def programme_delete(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=pk)
    services.programme_delete(actor=request.user, programme=programme)
    messages.success(request, _("The programme was deleted."))
    return redirect("catalogue:manage")


@login_required
def offering_create(request: HttpRequest, programme_pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=programme_pk)
    if not can_edit(request.user, programme):
        raise PermissionDenied
    form = OfferingForm(
        request.POST or None,
        initial={
            "country": programme.provider.country,
            "region": programme.provider.region,
            "municipality_code": programme.provider.municipality_code,
        },
    )
    if request.method == "POST" and form.is_valid():
        offering = services.offering_create(
            actor=request.user, programme=programme, data=form.model_data(), window=form.window_data()
        )
        messages.success(request, _("The offering was saved."))
        return redirect(offering)
    return render(request, "catalogue/offering_form.html", {"form": form, "programme": programme})


@login_required
def offering_edit(request: HttpRequest, pk: int) -> HttpResponse:
    offering = get_object_or_404(Offering.objects.select_related("programme"), pk=pk)
    if not can_edit(request.user, offering):
        raise PermissionDenied
    form = OfferingForm(request.POST or None, instance=Offering.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        services.offering_update(
            actor=request.user, offering=offering, data=form.model_data(), window=form.window_data()
        )
        messages.success(request, _("The offering was saved."))
        return redirect(offering)
    return render(
        request, "catalogue/offering_form.html", {"form": form, "programme": offering.programme, "offering": offering}
    )


@login_required
@require_POST
def offering_delete(request: HttpRequest, pk: int) -> HttpResponse:
    offering = get_object_or_404(Offering.objects.select_related("programme"), pk=pk)
    programme = offering.programme
    services.offering_delete(actor=request.user, offering=offering)
    messages.success(request, _("The offering was deleted."))
    return redirect(programme)


# --- uploads ----------------------------------------------------------------------------------------------


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    """Upload → validation report (dry run, nothing written) → confirm → one-transaction import."""
    permitted = set(editable_organisation_ids(request.user))
    if not permitted:
        raise PermissionDenied
    is_admin = bool(getattr(request.user, "is_superuser", False))
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and "confirm" in request.POST:
        try:
            path = uploads.upload_path(request.POST.get("token", ""))
        except uploads.UploadGone:
            messages.error(request, _("This report has expired or its file was imported already. Upload it again."))
            return render(request, "catalogue/import.html", {"form": ImportUploadForm()})
        fmt = request.POST.get("fmt", "")
        parse = get_parser(fmt)
        report = run_import(
            lambda: parse(path),
            actor=request.user,
            label=f"upload:{fmt}",
            permitted_organisations=None if is_admin else permitted,
        )
        path.unlink(missing_ok=True)
        if report.ok:
            messages.success(request, _("The file was imported."))
        context.update({"report": report, "done": True})
    elif request.method == "POST" and form.is_valid():
        token, path = uploads.store_upload(form.cleaned_data["file"])
        parse = get_parser(form.cleaned_data["fmt"])
        report = run_import(
            lambda: parse(path),
            actor=request.user,
            dry_run=True,
            permitted_organisations=None if is_admin else permitted,
        )
        if not report.ok:
            path.unlink(missing_ok=True)
        context.update({"report": report, "token": token, "fmt": form.cleaned_data["fmt"]})
    return render(request, "catalogue/import.html", context)


def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    from battery_region.catalogue.importers.spreadsheet import write_template

    if fmt not in {"csv", "xlsx"}:
        raise Http404
    language = get_language() or "fi"
    content = write_template("csv" if fmt == "csv" else "xlsx", language)
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="battery-region-offerings-template-{language}.{fmt}"'
    return response


@login_required
def quality_report(request: HttpRequest) -> HttpResponse:
    organisations = editable_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied
    return render(request, "catalogue/quality.html", {"rows": quality.quality_report(organisations)})
