"""Programme tags: services (permission, audit), suggestions with reasons, the tagging page, outsiders."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from battery_region.catalogue.models import Programme
from battery_region.core.models import AuditEntry
from battery_region.skills.models import EscoConcept, ProgrammeTag, Role, ValueChainStage
from battery_region.skills.services import (
    programme_tag_add,
    programme_tag_decide,
    programme_tag_remove,
    programme_tags_suggest,
)
from tests.organisations.helpers import entries_for_model, text_of
from tests.skills.conftest import BATTERY_ASSEMBLER, BATTERY_CHEMISTRY, make_programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(org_a, esco, roles) -> Programme:
    return make_programme(
        org_a,
        title_fi="Akkuteollisuuden operaattori",
        title_en="Battery industry operator",
        description_en=(
            "Students learn battery chemistry, battery components and battery cell production, and how to "
            "operate battery test equipment."
        ),
        description_fi="Opiskelija oppii akkukennojen valmistusta ja akkujen testausta.",
    )


def _skill(uri: str = BATTERY_CHEMISTRY) -> EscoConcept:
    return EscoConcept.objects.get(uri=uri)


def _cell_operator() -> Role:
    return Role.objects.get(slug="cell-production-operator")


# --- services ---------------------------------------------------------------------------------------------


def test_suggestions_are_only_suggestions_and_say_why(programme):
    count = programme_tags_suggest(programme_ids=[programme.pk])

    tags = ProgrammeTag.objects.filter(programme=programme)
    assert count == tags.count() > 0
    assert set(tags.values_list("status", flat=True)) == {"suggested"}
    assert set(tags.values_list("origin", flat=True)) == {"suggestion"}
    chemistry = tags.get(skill=_skill())
    assert "battery chemistry" in chemistry.reason
    item = chemistry.evidence[0]
    assert item["label"] == "battery chemistry" and item["language"] == "en"
    assert {"battery", "chemistry"} <= {word.lower() for word in item["words"]}
    role_tag = tags.get(role=_cell_operator())
    assert role_tag.evidence and role_tag.reason
    # one audit entry for the programme, by the system
    entry = entries_for_model(Programme).get(object_id=str(programme.pk))
    assert entry.actor is None and entry.actor_label == "system"
    assert "suggestion" in entry.message


def test_suggesting_again_adds_nothing_and_never_brings_back_a_rejection(programme, editor_a):
    programme_tags_suggest(programme_ids=[programme.pk])
    assert programme_tags_suggest(programme_ids=[programme.pk]) == 0
    tag = ProgrammeTag.objects.get(programme=programme, skill=_skill())
    programme_tag_decide(actor=editor_a.user, tag=tag, accept=False)
    tag.refresh_from_db()
    assert tag.status == "rejected"
    assert programme_tags_suggest(programme_ids=[programme.pk]) == 0
    assert ProgrammeTag.objects.get(programme=programme, skill=_skill()).status == "rejected"


def test_suggest_by_a_user_needs_edit_rights_on_every_programme(programme, editor_a, editor_b, org_b):
    other = make_programme(org_b, description_en="battery chemistry")
    with pytest.raises(PermissionDenied):
        programme_tags_suggest(programme_ids=[programme.pk, other.pk], actor=editor_a.user)
    with pytest.raises(PermissionDenied):
        programme_tags_suggest(programme_ids=[programme.pk], actor=editor_b.user)
    assert not ProgrammeTag.objects.exists()
    assert programme_tags_suggest(programme_ids=[programme.pk], actor=editor_a.user) > 0
    assert ProgrammeTag.objects.first().suggested_by == editor_a.user


def test_editor_tags_by_hand_and_a_suggestion_becomes_accepted(programme, editor_a):
    stage = ValueChainStage.objects.get(slug="cell-manufacturing")
    tag = programme_tag_add(actor=editor_a.user, programme=programme, stage=stage)
    assert (tag.status, tag.origin, tag.decided_by) == ("accepted", "manual", editor_a.user)
    entry = entries_for_model(ProgrammeTag).get(object_id=str(tag.pk))
    assert entry.action == "create" and entry.actor == editor_a.user

    programme_tags_suggest(programme_ids=[programme.pk])
    suggested = ProgrammeTag.objects.get(programme=programme, skill=_skill())
    again = programme_tag_add(actor=editor_a.user, programme=programme, skill=_skill())
    assert again.pk == suggested.pk and again.status == "accepted" and again.origin == "suggestion"
    assert programme_tag_add(actor=editor_a.user, programme=programme, skill=_skill()).pk == suggested.pk


def test_decide_and_remove_are_audited(programme, editor_a):
    programme_tags_suggest(programme_ids=[programme.pk])
    tag = ProgrammeTag.objects.get(programme=programme, skill=_skill())
    programme_tag_decide(actor=editor_a.user, tag=tag, accept=True)
    tag.refresh_from_db()
    assert tag.status == "accepted" and tag.decided_by == editor_a.user and tag.decided_at
    update = entries_for_model(ProgrammeTag).get(object_id=str(tag.pk), action="update")
    assert update.changes["status"] == ["suggested", "accepted"]
    pk = tag.pk
    programme_tag_remove(actor=editor_a.user, tag=tag)
    assert not ProgrammeTag.objects.filter(pk=pk).exists()
    assert entries_for_model(ProgrammeTag).filter(object_id=str(pk), action="delete").exists()


@pytest.mark.parametrize("persona", ["editor_b", "student", "anonymous"])
def test_outsiders_cannot_write_through_the_services(request, programme, editor_a, persona):
    # Views pass AnonymousUser for visitors; actor=None is reserved for system jobs such as demo content.
    user = request.getfixturevalue(persona).user or AnonymousUser()
    programme_tags_suggest(programme_ids=[programme.pk])
    tag = ProgrammeTag.objects.filter(programme=programme).first()
    audit_before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        programme_tag_add(actor=user, programme=programme, role=_cell_operator())
    with pytest.raises(PermissionDenied):
        programme_tag_decide(actor=user, tag=tag, accept=True)
    with pytest.raises(PermissionDenied):
        programme_tag_remove(actor=user, tag=tag)
    tag.refresh_from_db()
    assert tag.status == "suggested"
    assert AuditEntry.objects.count() == audit_before


def test_platform_admin_may_tag_any_programme(programme, admin):
    assert programme_tag_add(actor=admin.user, programme=programme, role=_cell_operator()).status == "accepted"


def test_only_skills_can_be_tagged_as_skills(programme, editor_a):
    occupation = EscoConcept.objects.get(uri=BATTERY_ASSEMBLER)
    with pytest.raises(ValidationError):
        programme_tag_add(actor=editor_a.user, programme=programme, skill=occupation)
    with pytest.raises(ValueError):
        programme_tag_add(actor=editor_a.user, programme=programme)


def test_database_keeps_one_target_and_one_tag_per_target(programme):
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeTag.objects.create(programme=programme, status="suggested", origin="suggestion")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeTag.objects.create(
            programme=programme, role=_cell_operator(), skill=_skill(), status="suggested", origin="suggestion"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeTag.objects.create(programme=programme, skill=_skill(), status="accepted", origin="manual")
    ProgrammeTag.objects.create(programme=programme, skill=_skill(), status="accepted", origin="manual", decided_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeTag.objects.create(
            programme=programme, skill=_skill(), status="suggested", origin="suggestion", decided_at=now
        )


# --- the tagging page -------------------------------------------------------------------------------------


def _url(programme: Programme, lang: str = "en", suffix: str = "") -> str:
    return f"/{lang}/skills/programmes/{programme.pk}/tags/{suffix}"


def test_editor_sees_suggestions_with_their_reasons_and_can_accept(programme, editor_a):
    programme_tags_suggest(programme_ids=[programme.pk])
    response = editor_a.get(_url(programme))
    assert response.status_code == 200
    body = text_of(response)
    assert "Suggestions to review" in body
    assert "battery chemistry" in body
    assert "ESCO preferred label" in body  # the kind of label that matched
    assert "<mark>" in body

    tag = ProgrammeTag.objects.get(programme=programme, skill=_skill())
    response = editor_a.post(f"/en/skills/tags/{tag.pk}/decide/", {"decision": "accept"}, follow=True)
    assert response.redirect_chain[-1][0] == _url(programme)
    assert "Accepted: battery chemistry." in text_of(response)
    tag.refresh_from_db()
    assert tag.status == "accepted"


def test_pages_work_without_javascript_search_then_add(programme, editor_a):
    response = editor_a.get(_url(programme, "fi") + "?role_q=akkukenno")
    body = text_of(response)
    assert response.status_code == 200
    assert "Akkukennotuotannon operaattori" in body  # Finnish names on the Finnish page
    role = _cell_operator()
    response = editor_a.post(_url(programme, "fi", "add/"), {"kind": "role", "target": role.pk})
    assert response.status_code == 302
    assert ProgrammeTag.objects.get(programme=programme, role=role).status == "accepted"

    response = editor_a.get(_url(programme, "sv") + "?skill_q=battery+chem")
    assert "battery chemistry" in text_of(response)
    stage = ValueChainStage.objects.get(slug="recycling")
    editor_a.post(_url(programme, "sv", "add/"), {"kind": "stage", "target": stage.pk})
    assert ProgrammeTag.objects.filter(programme=programme, stage=stage, status="accepted").exists()


def test_picker_returns_a_fragment_for_htmx_and_redirects_otherwise(programme, editor_a):
    url = f"/sv/skills/picker/?kind=role&programme={programme.pk}&role_q=svetsare"
    response = editor_a.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = text_of(response)
    assert "<html" not in body
    assert "Montör av moduler och batteripack, lasersvetsare" in body
    assert 'name="target"' in body
    response = editor_a.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(_url(programme, "sv") + "?role_q=svetsare")
    response = editor_a.get(
        f"/en/skills/picker/?kind=skill&programme={programme.pk}&skill_q=zzzz", headers={"HX-Request": "true"}
    )
    assert "Nothing found" in text_of(response)


def test_invalid_add_is_reported_not_written(programme, editor_a):
    response = editor_a.post(_url(programme, "en", "add/"), {"kind": "skill", "target": 999999}, follow=True)
    assert "does not exist" in text_of(response)
    assert not ProgrammeTag.objects.exists()


def test_suggest_button(programme, editor_a):
    response = editor_a.post(_url(programme, "en", "suggest/"), follow=True)
    assert "new suggestions to review" in text_of(response)
    assert ProgrammeTag.objects.filter(programme=programme, status="suggested").exists()


def _writes(programme: Programme) -> list[tuple[str, dict[str, object]]]:
    tag = ProgrammeTag.objects.filter(programme=programme).first()
    assert tag is not None
    return [
        (_url(programme, "en", "add/"), {"kind": "role", "target": _cell_operator().pk}),
        (_url(programme, "en", "suggest/"), {}),
        (f"/en/skills/tags/{tag.pk}/decide/", {"decision": "accept"}),
        (f"/en/skills/tags/{tag.pk}/remove/", {}),
    ]


@pytest.mark.parametrize("index", range(4))
def test_outsider_gets_403_and_nothing_is_written(programme, editor_b, index):
    programme_tags_suggest(programme_ids=[programme.pk])
    before = list(ProgrammeTag.objects.order_by("pk").values_list("pk", "status"))
    audit = AuditEntry.objects.count()
    url, data = _writes(programme)[index]
    assert editor_b.post(url, data).status_code == 403
    assert list(ProgrammeTag.objects.order_by("pk").values_list("pk", "status")) == before
    assert AuditEntry.objects.count() == audit


@pytest.mark.parametrize("index", range(4))
def test_anonymous_is_sent_to_login_and_nothing_is_written(programme, anonymous, index):
    programme_tags_suggest(programme_ids=[programme.pk])
    before = list(ProgrammeTag.objects.order_by("pk").values_list("pk", "status"))
    url, data = _writes(programme)[index]
    response = anonymous.post(url, data)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert list(ProgrammeTag.objects.order_by("pk").values_list("pk", "status")) == before


def test_outsiders_cannot_open_the_tagging_page_or_the_picker(programme, editor_b, anonymous):
    assert editor_b.get(_url(programme)).status_code == 403
    assert editor_b.get(f"/en/skills/picker/?kind=role&programme={programme.pk}&q=x").status_code == 403
    assert anonymous.get(_url(programme)).status_code == 302
    assert editor_b.get(_url(programme)).status_code == 403


def test_get_is_not_allowed_on_write_urls(programme, editor_a):
    assert editor_a.get(_url(programme, "en", "add/")).status_code == 405
