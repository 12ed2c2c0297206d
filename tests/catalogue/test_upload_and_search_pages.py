"""The editor's upload page (report before writing) and the public search page and API under bad input."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from battery_region.catalogue.models import Offering, Programme
from battery_region.search.indexing import index_offerings
from tests.catalogue.factories import OfferingFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

SPREADSHEET = Path(__file__).resolve().parents[1] / "fixtures" / "spreadsheet" / "offerings.csv"


def rows_of(provider: str) -> bytes:
    """The fixture's header and the rows of one provider, as an editor of that provider would upload."""
    rows = list(csv.reader(io.StringIO(SPREADSHEET.read_text(encoding="utf-8"))))
    column = rows[0].index("provider")
    out = io.StringIO()
    csv.writer(out).writerows([rows[0], *(row for row in rows[1:] if row and row[column] == provider)])
    return out.getvalue().encode()


def test_upload_shows_the_report_first_and_writes_only_on_confirmation(editor_a, org_a):
    upload = SimpleUploadedFile("offerings.csv", rows_of(org_a.slug), content_type="text/csv")
    checked = editor_a.post("/en/catalogue/manage/import/", {"fmt": "spreadsheet", "file": upload})
    assert checked.status_code == 200
    report = checked.context["report"]
    assert report.ok, report.problem_lines()
    assert report.dry_run and Programme.objects.count() == 0
    token = checked.context["token"]
    done = editor_a.post("/en/catalogue/manage/import/", {"confirm": "1", "token": token, "fmt": "spreadsheet"})
    assert done.status_code == 200 and done.context["report"].ok
    assert Programme.objects.filter(provider=org_a).exists() and Offering.objects.exists()


def test_a_bad_upload_lists_each_problem_and_writes_nothing(editor_a, org_a):
    bad = rows_of(org_a.slug).decode().replace(",4,0713", ",12,0713", 1)
    upload = SimpleUploadedFile("offerings.csv", bad.encode(), content_type="text/csv")
    response = editor_a.post("/fi/catalogue/manage/import/", {"fmt": "spreadsheet", "file": upload})
    page = response.content.decode()
    assert not response.context["report"].ok
    assert "eqf_level" in page and "line 2" in page
    assert Programme.objects.count() == 0


def test_an_upload_for_another_organisation_is_refused(editor_b, org_a):
    upload = SimpleUploadedFile("offerings.csv", SPREADSHEET.read_bytes(), content_type="text/csv")
    response = editor_b.post("/en/catalogue/manage/import/", {"fmt": "spreadsheet", "file": upload})
    assert not response.context["report"].ok
    assert any(p.code == "permission" for p in response.context["report"].problems)
    assert Programme.objects.count() == 0


def test_outsiders_and_anonymous_cannot_use_the_upload_page(student, anonymous):
    assert student.get("/en/catalogue/manage/import/").status_code == 403
    assert anonymous.get("/en/catalogue/manage/import/").status_code == 302


def test_template_downloads_in_the_users_language(anonymous):
    csv = anonymous.get("/fi/catalogue/manage/import/template.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    xlsx = anonymous.get("/sv/catalogue/manage/import/template.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


@pytest.fixture
def indexed():
    programme = ProgrammeFactory(
        title_en="Battery cell manufacturing",
        title_fi="Akkukennojen valmistus",
        description_fi="Opit akkukennojen valmistuksen vaiheet elektrodeista formointiin.",
    )
    offering = OfferingFactory(programme=programme)
    index_offerings([offering.pk])
    return offering


BAD_QUERIES = [
    "",
    "the and of",
    "x" * 10_000,
    '"battery',
    "battery*",
    "battery NEAR cell",
    "title:battery",
    "-battery",
    "(battery",
    "'; DROP TABLE catalogue_offering; --",
    "🔋 akku батарея 電池",
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_bad_queries_never_fail_the_page_or_the_api(anonymous, indexed, query):
    page = anonymous.get("/en/catalogue/", {"q": query})
    assert page.status_code == 200
    api = anonymous.get("/api/v1/offerings", {"q": query, "lang": "en"})
    assert api.status_code in (200, 422), api.content
    assert Offering.objects.filter(pk=indexed.pk).exists()


def test_api_search_ranks_with_score_and_snippet_and_refuses_unknown_languages(anonymous, indexed):
    data = anonymous.get("/api/v1/offerings", {"q": "akkukennojen valmistus", "lang": "fi"}).json()
    assert [item["id"] for item in data["items"]] == [indexed.pk]
    assert data["items"][0]["score"] > 0 and "<mark>" in (data["items"][0]["snippet"] or "")
    programme = data["items"][0]["programme"]  # what a result list shows, without a request per hit
    assert programme["title"]["fi"] == "Akkukennojen valmistus" and programme["url"].endswith(f"/{programme['id']}/")
    unknown = anonymous.get("/api/v1/offerings", {"q": "akku", "lang": "xx"})
    assert unknown.status_code == 400 and unknown.json()["error"]["message"]


def test_the_search_page_answers_htmx_with_the_results_only(anonymous, indexed):
    response = anonymous.get("/en/catalogue/", {"q": "battery"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "Battery cell manufacturing" in body


def test_the_search_page_highlights_matches_in_snippets(anonymous, indexed):
    page = anonymous.get("/fi/catalogue/", {"q": "valmistus"}).content.decode()
    assert "<mark>" in page


def test_an_unconfirmed_upload_is_deleted_by_a_later_upload_after_a_day(editor_a, org_a, settings, tmp_path):
    import os
    import time

    from battery_region.catalogue import uploads

    settings.MEDIA_ROOT = tmp_path

    def upload() -> Path:
        file = SimpleUploadedFile("offerings.csv", rows_of(org_a.slug), content_type="text/csv")
        response = editor_a.post("/en/catalogue/manage/import/", {"fmt": "spreadsheet", "file": file})
        assert response.context["report"].ok
        return uploads.upload_path(response.context["token"])

    forgotten, recent = upload(), upload()
    day_and_a_minute_ago = time.time() - uploads.MAX_AGE.total_seconds() - 60
    os.utime(forgotten, (day_and_a_minute_ago, day_and_a_minute_ago))
    (tmp_path / uploads.UPLOAD_DIR / "notes.txt").write_text("not an upload")  # not ours: left alone
    latest = upload()
    assert not forgotten.exists()
    assert recent.exists() and latest.exists() and (tmp_path / uploads.UPLOAD_DIR / "notes.txt").exists()
    gone = editor_a.post(
        "/fi/catalogue/manage/import/", {"confirm": "1", "token": forgotten.name, "fmt": "spreadsheet"}
    )
    assert gone.status_code == 200 and "Lataa tiedosto uudelleen" in gone.content.decode()  # the form again
    assert Programme.objects.count() == 0
    done = editor_a.post("/en/catalogue/manage/import/", {"confirm": "1", "token": recent.name, "fmt": "spreadsheet"})
    assert done.context["report"].ok and not recent.exists()
