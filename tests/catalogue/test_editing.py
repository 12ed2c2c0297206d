"""Provider editors edit their own programmes and offerings; nobody else can."""

from __future__ import annotations

import pytest

from battery_region.catalogue.models import Offering, Programme
from battery_region.core.models import AuditEntry
from tests.catalogue.factories import OfferingFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

PROGRAMME_POST = {
    "title_fi": "Akkutekniikan perusteet",
    "title_sv": "Grunder i batteriteknik",
    "title_en": "Basics of battery technology",
    "kind": "course",
    "eqf_level": "5",
    "credits_value": "5",
    "credits_system": "fi_op",
    "isced_codes": "0713 0711",
    "published": "on",
}


def test_editor_creates_a_programme_for_own_organisation(editor_a, org_a):
    response = editor_a.post(f"/en/catalogue/manage/{org_a.slug}/programmes/new/", PROGRAMME_POST)
    programme = Programme.objects.get(title_en="Basics of battery technology")
    assert response.status_code == 302 and response.url == programme.get_absolute_url()
    assert programme.provider == org_a
    assert sorted(programme.isced_fields.values_list("code", flat=True)) == ["0711", "0713"]
    assert AuditEntry.objects.filter(action="create", object_id=str(programme.pk)).exists()


def test_outsider_cannot_create_edit_or_delete(editor_b, org_a):
    programme = ProgrammeFactory(provider=org_a)
    offering = OfferingFactory(programme=programme)
    urls = [
        (f"/en/catalogue/manage/{org_a.slug}/programmes/new/", PROGRAMME_POST),
        (f"/en/catalogue/programmes/{programme.pk}/edit/", PROGRAMME_POST),
        (f"/en/catalogue/programmes/{programme.pk}/delete/", {}),
        (f"/en/catalogue/programmes/{programme.pk}/offerings/new/", {"country": "FI"}),
        (f"/en/catalogue/offerings/{offering.pk}/edit/", {"country": "SE"}),
        (f"/en/catalogue/offerings/{offering.pk}/delete/", {}),
    ]
    for url, data in urls:
        assert editor_b.post(url, data).status_code == 403, url
    programme.refresh_from_db()
    assert programme.title_en.startswith("Programme")
    assert Programme.objects.count() == 1 and Offering.objects.count() == 1


def test_anonymous_is_sent_to_login(anonymous, org_a):
    programme = ProgrammeFactory(provider=org_a)
    response = anonymous.get(f"/en/catalogue/programmes/{programme.pk}/edit/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_invalid_programme_form_reshows_with_messages_in_the_users_language(editor_a, org_a):
    data = {**PROGRAMME_POST, "isced_codes": "07x3", "credits_system": ""}
    response = editor_a.post(f"/fi/catalogue/manage/{org_a.slug}/programmes/new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "07x3" in page
    assert Programme.objects.count() == 0
    assert response.context["form"].errors["credits_system"]


def test_editor_adds_and_edits_an_offering_with_its_application_window(editor_a, org_a):
    programme = ProgrammeFactory(provider=org_a)
    response = editor_a.post(
        f"/en/catalogue/programmes/{programme.pk}/offerings/new/",
        {
            "country": "FI",
            "region": "FI1D9",
            "municipality_code": "FI-kunta:564",
            "teaching_language_list": ["fi", "en"],
            "start_precision": "season",
            "start_year": "2027",
            "start_season": "autumn",
            "status": "published",
            "places": "12",
            "open_for_exchange": "on",
            "exchange_places": "2",
            "application_continuous": "on",
        },
    )
    offering = Offering.objects.get()
    assert response.status_code == 302
    assert offering.teaching_languages == "fi,en" and offering.open_for_exchange
    assert offering.application_windows.get().continuous

    bad = editor_a.post(
        f"/en/catalogue/offerings/{offering.pk}/edit/",
        {"country": "FI", "start_precision": "exact", "status": "published"},
    )
    assert bad.status_code == 200 and bad.context["form"].errors["start_date"]


def test_imported_records_warn_that_reimport_overwrites_edits(editor_a, org_a):
    programme = ProgrammeFactory(provider=org_a, source="fi-kouta", source_id="1.2.246.562.13.1")
    page = editor_a.get(f"/en/catalogue/programmes/{programme.pk}/edit/").content.decode()
    assert "overwrites your changes" in page


def test_public_pages_show_level_credits_equivalence_and_source(anonymous):
    programme = ProgrammeFactory(
        title_en="Process industry", source="fi-kouta", source_id="x", source_url="https://opintopolku.fi/x"
    )
    OfferingFactory(programme=programme, teaching_languages="fi,sv", open_for_exchange=True, exchange_places=3)
    page = anonymous.get(f"/en/catalogue/programmes/{programme.pk}/").content.decode()
    assert "EQF 4" in page
    assert "ECVET convention" in page and "not ECTS" in page
    assert "https://opintopolku.fi/x" in page
    offering = programme.offerings.get()
    detail = anonymous.get(f"/en/catalogue/offerings/{offering.pk}/").content.decode()
    assert "Finnish, Swedish" in detail and "Open for exchange students" in detail


def test_script_in_descriptions_is_removed_on_display(anonymous):
    programme = ProgrammeFactory(description_en='<p>Fine</p><script>alert("x")</script><img src=x onerror=alert(1)>')
    page = anonymous.get(f"/en/catalogue/programmes/{programme.pk}/").content.decode()
    assert "<p>Fine</p>" in page
    assert "<script>alert" not in page and "onerror" not in page


def test_unpublished_programme_is_hidden_from_the_public(anonymous, editor_a, org_a):
    programme = ProgrammeFactory(provider=org_a, published=False)
    assert anonymous.get(f"/en/catalogue/programmes/{programme.pk}/").status_code == 404
    assert editor_a.get(f"/en/catalogue/programmes/{programme.pk}/").status_code == 200


def test_counterparts_across_the_border(anonymous, org_a, org_b):
    fi = ProgrammeFactory(provider=org_a, eqf_level=4, title_en="Process operator FI")
    fi.isced_fields.create(code="0711")
    se = ProgrammeFactory(
        provider=org_b, eqf_level=5, title_en="Process operator SE", credits_system="se_yhp", credits_value=400
    )
    se.isced_fields.add(fi.isced_fields.get())
    far = ProgrammeFactory(provider=org_b, eqf_level=7, title_en="Far away level")
    far.isced_fields.add(fi.isced_fields.get())
    other_field = ProgrammeFactory(provider=org_b, eqf_level=4, title_en="Nursing")
    other_field.isced_fields.create(code="0913")
    OfferingFactory(programme=se, open_for_exchange=True, exchange_places=2, teaching_languages="sv")
    page = anonymous.get(f"/en/catalogue/programmes/{fi.pk}/other-country/").content.decode()
    assert "Process operator SE" in page
    assert "Far away level" not in page and "Nursing" not in page
    assert "2 years of full-time study (80 weeks)" in page  # 400 YH-poäng side by side with its full-time equivalent


def test_quality_report_lists_what_to_fix(editor_a, editor_b, org_a):
    ProgrammeFactory(provider=org_a, title_sv="", eqf_level=None, title_en="Needs work")
    page = editor_a.get("/en/catalogue/manage/quality/").content.decode()
    assert "Needs work" in page and "Missing translations" in page and "No EQF level" in page
    assert "Needs work" not in editor_b.get("/en/catalogue/manage/quality/").content.decode()


def test_manage_requires_an_editor_membership(student):
    assert student.get("/en/catalogue/manage/").status_code == 403
