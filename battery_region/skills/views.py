"""Skills pages: value-chain overview, role and skill pages, and hand-tagging of programmes.

Thin views over selectors, services and the access helper; every page works without JavaScript (the
search-as-you-type pickers are htmx enhancements of plain GET forms).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from battery_region.catalogue.models import Programme
from battery_region.organisations.access import require_edit
from battery_region.skills import selectors, services
from battery_region.skills.forms import CoverageForm, TagAddForm, TagDecisionForm
from battery_region.skills.models import EscoConcept, ProgrammeTag, Role, ValueChainStage

PICKER_LIMIT = 20


def overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "skills/overview.html",
        {"stages": selectors.value_chain_overview(), "countries": selectors.countries()},
    )


def role_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        role = selectors.role_get(slug=slug)
    except Role.DoesNotExist as exc:
        raise Http404 from exc
    form = CoverageForm(request.GET or None, regions=selectors.coverage_regions())
    region = form.cleaned_data["region"] if form.is_valid() else ""
    links = list(role.skill_links.all())
    return render(
        request,
        "skills/role_detail.html",
        {
            "role": role,
            "occupations": list(role.occupation_links.all()),
            "essential_skills": [link for link in links if link.importance == "essential"],
            "optional_skills": [link for link in links if link.importance == "optional"],
            "groups": selectors.role_programmes(role),
            "coverage": selectors.role_coverage(role, region or None),
            "coverage_form": form,
            "region_names": selectors.REGION_NAMES,
        },
    )


def skill_detail(request: HttpRequest, key: str) -> HttpResponse:
    try:
        skill = selectors.skill_get(key=key)
    except EscoConcept.DoesNotExist as exc:
        raise Http404 from exc
    return render(
        request,
        "skills/skill_detail.html",
        {"skill": skill, "roles": selectors.skill_roles(skill), "groups": selectors.skill_programmes(skill)},
    )


# --- tagging (editors of the programme's provider) ----------------------------------------------------------


def _editable_programme(request: HttpRequest, programme_id: int) -> Programme:
    programme = get_object_or_404(Programme.objects.select_related("provider"), pk=programme_id)
    require_edit(request.user, programme)
    return programme


def _tags_url(programme: Programme) -> str:
    return reverse("skills:programme_tags", kwargs={"programme_id": programme.pk})


def _picker_results(kind: str, q: str) -> list[object]:
    if not q.strip():
        return []
    if kind == "role":
        return list(selectors.role_search(q, limit=PICKER_LIMIT))
    return list(selectors.skill_search(q)[:PICKER_LIMIT])


@login_required
def programme_tags(request: HttpRequest, programme_id: int) -> HttpResponse:
    programme = _editable_programme(request, programme_id)
    role_q = request.GET.get("role_q", "")[:100]
    skill_q = request.GET.get("skill_q", "")[:100]
    return render(
        request,
        "skills/programme_tags.html",
        {
            "programme": programme,
            "tags": selectors.programme_tags(programme),
            "stages": ValueChainStage.objects.all(),
            "role_q": role_q,
            "skill_q": skill_q,
            "role_results": _picker_results("role", role_q),
            "skill_results": _picker_results("skill", skill_q),
        },
    )


@login_required
def picker(request: HttpRequest) -> HttpResponse:
    """Search-as-you-type results (htmx); without JavaScript the tags page runs the same search itself."""
    kind = request.GET.get("kind", "")
    if kind not in ("role", "skill"):
        raise Http404
    try:
        programme_id = int(request.GET.get("programme", ""))
    except ValueError as exc:
        raise Http404 from exc
    programme = _editable_programme(request, programme_id)
    q = request.GET.get(f"{kind}_q", request.GET.get("q", ""))[:100]
    if not getattr(request, "htmx", False):
        return redirect(f"{_tags_url(programme)}?{urlencode({f'{kind}_q': q})}#add-{kind}")
    return render(
        request,
        "skills/_picker_results.html",
        {"programme": programme, "kind": kind, "q": q, "results": _picker_results(kind, q)},
    )


@login_required
@require_POST
def tag_add(request: HttpRequest, programme_id: int) -> HttpResponse:
    programme = _editable_programme(request, programme_id)
    form = TagAddForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(str(message) for message in error))
        return redirect(_tags_url(programme))
    target = form.cleaned_data["object"]
    services.programme_tag_add(actor=request.user, programme=programme, **{form.cleaned_data["kind"]: target})
    messages.success(request, _("Tag added: %(target)s.") % {"target": target})
    return redirect(_tags_url(programme))


@login_required
@require_POST
def tag_suggest(request: HttpRequest, programme_id: int) -> HttpResponse:
    programme = _editable_programme(request, programme_id)
    count = services.programme_tags_suggest(programme_ids=[programme.pk], actor=request.user)
    if count:
        messages.success(
            request,
            ngettext("%(count)s new suggestion to review.", "%(count)s new suggestions to review.", count)
            % {"count": count},
        )
    else:
        messages.info(request, _("No new suggestions were found in the programme's texts."))
    return redirect(_tags_url(programme))


def _editable_tag(request: HttpRequest, tag_id: int) -> ProgrammeTag:
    tag = get_object_or_404(ProgrammeTag.objects.select_related("programme__provider"), pk=tag_id)
    require_edit(request.user, tag.programme)
    return tag


@login_required
@require_POST
def tag_decide(request: HttpRequest, tag_id: int) -> HttpResponse:
    tag = _editable_tag(request, tag_id)
    form = TagDecisionForm(request.POST)
    if form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        services.programme_tag_decide(actor=request.user, tag=tag, accept=accept)
        if accept:
            messages.success(request, _("Accepted: %(target)s.") % {"target": tag.target})
        else:
            messages.success(request, _("Rejected: %(target)s.") % {"target": tag.target})
    else:
        messages.error(request, _("Choose accept or reject."))
    return redirect(_tags_url(tag.programme))


@login_required
@require_POST
def tag_remove(request: HttpRequest, tag_id: int) -> HttpResponse:
    tag = _editable_tag(request, tag_id)
    programme, target = tag.programme, tag.target
    services.programme_tag_remove(actor=request.user, tag=tag)
    messages.success(request, _("Tag removed: %(target)s.") % {"target": target})
    return redirect(_tags_url(programme))
