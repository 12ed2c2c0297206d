"""Shipped stages and roles: data quality, idempotent loading, late ESCO linking, admin edits kept, demo."""

from __future__ import annotations

import csv
import json
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from battery_region.core.models import AuditEntry
from battery_region.skills import demo
from battery_region.skills.importers.esco import import_esco
from battery_region.skills.models import EscoConcept, Role, RoleOccupation, RoleSkill, ValueChainStage
from battery_region.skills.services import ROLES_FILE, STAGES_FILE, RolesDataError, read_roles_data, roles_load
from tests.skills.conftest import BATTERY_ASSEMBLER, BATTERY_CHEMISTRY, GOOD, SHARED_ESCO

STAGE_SLUGS = [
    "raw-materials",
    "refining",
    "active-materials",
    "cell-manufacturing",
    "module-pack",
    "use",
    "second-life",
    "recycling",
    "cross-cutting",
]


def test_shipped_data_has_nine_stages_and_all_36_table_roles_plus_local_roles():
    stages, roles = read_roles_data()
    assert [stage["slug"] for stage in stages] == STAGE_SLUGS
    table_rows = sorted(role["table_row"] for role in roles if role["table_row"])
    assert table_rows == list(range(1, 37))
    local = {role["slug"] for role in roles if role["local"]}
    assert {
        "electrode-coating-operator",
        "formation-operator",
        "hydrometallurgical-operator",
        "battery-recycling-operator",
        "cell-design-engineer",
    } <= local
    for role in roles:
        assert all(role["name"][code].strip() for code in ("fi", "sv", "en")), role["slug"]
        assert all(role["description"][code].strip() for code in ("fi", "sv", "en")), role["slug"]
        assert role["source"].strip()
        assert role["occupations"] and any(s["importance"] == "essential" for s in role["skills"]), role["slug"]
        if role["local"]:
            assert all(o["nearest"] for o in role["occupations"]), role["slug"]
    # names are the platform's own translations, not copies of the English name
    assert sum(role["name"]["fi"] == role["name"]["en"] for role in roles) == 0


def test_shipped_data_problems_are_listed(tmp_path):
    roles = json.loads(ROLES_FILE.read_text(encoding="utf-8"))
    roles["roles"][0]["stage"] = "nowhere"
    roles["roles"][1]["source"] = ""
    roles["roles"][2]["skills"][0]["uri"] = "http://example.org/skill/1"
    broken = tmp_path / "roles.json"
    broken.write_text(json.dumps(roles), encoding="utf-8")
    with pytest.raises(RolesDataError) as caught:
        read_roles_data(STAGES_FILE, broken)
    assert len(caught.value.problems) == 3


@pytest.mark.skipif(not SHARED_ESCO.is_dir(), reason=f"the shared ESCO v1.1.1 package is not at {SHARED_ESCO}")
def test_every_shipped_uri_exists_in_esco_v1_1_1_with_the_shipped_label():
    csv.field_size_limit(sys.maxsize)
    labels = {}
    for name in ("occupations_en.csv", "skills_en.csv"):
        with (SHARED_ESCO / "classification-en" / name).open(encoding="utf-8", newline="") as handle:
            labels.update({row["conceptUri"]: row["preferredLabel"] for row in csv.DictReader(handle)})
    _stages, roles = read_roles_data()
    for role in roles:
        for link in role["occupations"] + role["skills"]:
            assert labels.get(link["uri"]) == link["label"], (role["slug"], link)


@pytest.mark.django_db
def test_load_roles_is_idempotent_and_audited(capsys):
    call_command("load_roles")
    assert "roles: created 44" in capsys.readouterr().out
    assert ValueChainStage.objects.count() == 9
    assert Role.objects.count() == 44
    assert not Role.objects.filter(source="").exists()
    entries = AuditEntry.objects.count()
    links = (RoleOccupation.objects.count(), RoleSkill.objects.count())

    call_command("load_roles")
    out = capsys.readouterr().out
    assert "roles: created 0, updated 0, unchanged 44" in out
    assert "Roles are up to date." in out
    assert AuditEntry.objects.count() == entries
    assert (RoleOccupation.objects.count(), RoleSkill.objects.count()) == links


@pytest.mark.django_db
def test_roles_loaded_before_esco_are_linked_when_esco_is_imported():
    report = roles_load()
    assert report.unresolved  # nothing imported yet
    assert not RoleSkill.objects.filter(skill__isnull=False).exists()

    esco = import_esco(GOOD)

    assert esco.role_links_resolved > 0
    cell_operator = Role.objects.get(slug="cell-production-operator")
    link = cell_operator.skill_links.get(skill_uri=BATTERY_CHEMISTRY)
    assert link.skill == EscoConcept.objects.get(uri=BATTERY_CHEMISTRY)
    assert cell_operator.occupation_links.get(occupation_uri=BATTERY_ASSEMBLER).occupation is not None
    assert roles_load().resolved == 0  # already linked


@pytest.mark.django_db
def test_esco_imported_first_links_roles_at_once():
    import_esco(GOOD)
    report = roles_load()
    assert report.resolved > 0
    assert Role.objects.get(slug="formation-operator").occupation_links.get().occupation.preferred_label_en == (
        "battery test technician"
    )


@pytest.mark.django_db
def test_admin_edits_survive_a_reload_and_reset_restores_the_shipped_data(admin):
    roles_load()
    role = Role.objects.get(slug="vet-teacher")
    response = admin.get(f"/en/admin/skills/role/{role.pk}/change/")
    assert response.status_code == 200
    role.name_fi = "Akkualan opettaja"
    role.save()
    RoleSkill.objects.filter(role=role).first().delete()

    roles_load()
    role.refresh_from_db()
    assert role.name_fi == "Akkualan opettaja"
    assert RoleSkill.objects.filter(role=role).count() == 4  # the missing link is added back

    roles_load(reset=True)
    role.refresh_from_db()
    assert role.name_fi == "Ammatillinen opettaja ja kouluttaja (akkuala)"


@pytest.mark.django_db
def test_only_platform_admins_or_system_jobs_load_roles(editor_a):
    with pytest.raises(Exception, match="administrators"):
        roles_load(actor=editor_a.user)
    assert not Role.objects.exists()


@pytest.mark.django_db
def test_load_roles_command_reports_bad_data(tmp_path, monkeypatch):
    broken = tmp_path / "roles.json"
    broken.write_text(json.dumps({"roles": [{"slug": "x", "stage": "nowhere"}]}), encoding="utf-8")
    monkeypatch.setattr("battery_region.skills.services.ROLES_FILE", broken)
    with pytest.raises(CommandError, match="not valid"):
        call_command("load_roles")


@pytest.mark.django_db
def test_demo_load_installs_roles_and_imports_esco_once(tmp_path):
    assert any("not found" in line for line in demo.load(esco_directory=tmp_path / "missing"))
    assert Role.objects.count() == 44
    assert not EscoConcept.objects.exists()
    assert any("ESCO imported" in line for line in demo.load(esco_directory=GOOD))
    assert EscoConcept.objects.count() > 0
    assert any("ESCO already imported" in line for line in demo.load(esco_directory=GOOD))
    assert not any("ESCO imported" in line or "already" in line for line in demo.load(esco_directory=None))


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["escoconcept", "escoimportrun", "valuechainstage", "role", "programmetag"])
def test_admin_pages_render(admin, model):
    import_esco(GOOD)
    roles_load()
    assert admin.get(f"/en/admin/skills/{model}/").status_code == 200
    assert admin.get(f"/en/admin/skills/{model}/?q=battery").status_code == 200


@pytest.mark.django_db
def test_role_edited_in_the_admin_is_audited(admin):
    roles_load()
    role = Role.objects.get(slug="logistics")
    entries = AuditEntry.objects.count()
    data = {
        "slug": role.slug,
        "position": role.position,
        "stage": role.stage_id,
        "name_fi": "Logistiikan tehtävät",
        "name_sv": role.name_sv,
        "name_en": role.name_en,
        "description_fi": role.description_fi,
        "description_sv": role.description_sv,
        "description_en": role.description_en,
        "keywords_fi": role.keywords_fi,
        "keywords_sv": role.keywords_sv,
        "keywords_en": role.keywords_en,
        "eqf_min": role.eqf_min,
        "eqf_max": role.eqf_max,
        "source": role.source,
        "occupation_links-TOTAL_FORMS": "0",
        "occupation_links-INITIAL_FORMS": "0",
        "skill_links-TOTAL_FORMS": "0",
        "skill_links-INITIAL_FORMS": "0",
    }
    response = admin.post(f"/en/admin/skills/role/{role.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    role.refresh_from_db()
    assert role.name_fi == "Logistiikan tehtävät"
    entry = AuditEntry.objects.order_by("-id").first()
    assert AuditEntry.objects.count() == entries + 1
    assert entry.changes["name_fi"][1] == "Logistiikan tehtävät" and entry.actor == admin.user
