"""The ESCO CSV import: what it stores, idempotence, later language packs, and every kind of bad input."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.utils import translation

from battery_region.core.models import AuditEntry
from battery_region.skills.importers.esco import KNOWN_UPSTREAM_GAPS, EscoImportError, import_esco
from battery_region.skills.models import (
    EscoBroader,
    EscoConcept,
    EscoImportRun,
    EscoOccupationSkill,
    EscoSkillRelation,
)
from tests.skills.conftest import (
    ASSEMBLE_BATTERIES,
    BATTERY_ASSEMBLER,
    BATTERY_CHEMISTRY,
    ENERGY_STORAGE,
    FIXTURES,
    GOOD,
    SHARED_ESCO,
    package_with,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Problems are reported in the active language; these tests read the English text."""
    with translation.override("en"):
        yield


POSITIONING_GROUP = "http://data.europa.eu/esco/skill/1e924921-b7ff-4326-a698-c8275bbcf60d"


def _state() -> tuple[int, ...]:
    return (
        EscoConcept.objects.count(),
        EscoOccupationSkill.objects.count(),
        EscoSkillRelation.objects.count(),
        EscoBroader.objects.count(),
        EscoImportRun.objects.count(),
        AuditEntry.objects.count(),
    )


def test_imports_concepts_labels_relations_and_collections():
    report = import_esco(GOOD)

    assert report.languages == ["en"]
    assert report.counts["occupations"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert report.counts["skills"] == {"created": 7, "updated": 0, "unchanged": 0}
    assert report.counts["ISCO groups"]["created"] == 3
    # three groups from skillGroups_en.csv and two named only in skillsHierarchy_en.csv
    assert report.counts["skill groups"]["created"] == 5
    assert report.counts["occupation–skill relations"]["created"] == 8
    assert report.counts["skill–skill relations"]["created"] == 1
    assert report.counts["broader relations (occupations)"]["created"] == 3
    assert report.counts["broader relations (skills)"]["created"] == 5
    assert report.collections == {"green": 1}

    assembler = EscoConcept.objects.get(uri=BATTERY_ASSEMBLER)
    assert assembler.kind == EscoConcept.Kind.OCCUPATION
    assert assembler.preferred_label_en == "battery assembler"
    assert assembler.preferred_label_fi == ""
    assert assembler.alt_labels_en.splitlines() == [
        "battery builder",
        "battery production operative",
        "assembler of battery components",
    ]
    assert (assembler.isco_code, assembler.code) == ("8212", "8212.3.1")
    assert assembler.modified_at is not None
    assert assembler.broader.get().code == "8212"
    assert {r.skill.uri: r.relation_type for r in assembler.skill_relations.select_related("skill")}[
        ELECTROCHEMISTRY_URI
    ] == "optional"

    storage = EscoConcept.objects.get(uri=ENERGY_STORAGE)
    assert storage.collections == ["green"] and storage.is_green
    assert storage.skill_type == "knowledge" and storage.reuse_level == "cross-sector"
    group = EscoConcept.objects.get(uri=POSITIONING_GROUP)
    assert group.kind == EscoConcept.Kind.SKILL_GROUP
    assert group.preferred_label_en == "positioning materials, tools or equipment"
    assert group.code == "S6.8"
    hidden = EscoConcept.objects.get(preferred_label_en="chemical processing plant controller")
    assert "chemical plant contoller" in hidden.search_text  # hidden labels are searchable


ELECTROCHEMISTRY_URI = "http://data.europa.eu/esco/skill/88ab3a3a-f318-41b3-bdf6-07dc33c75352"


def test_other_languages_and_unused_files_are_noted_not_imported():
    report = import_esco(GOOD)
    notes = "\n".join(report.notes)
    assert "language 'fr' is not used on this platform" in notes
    assert "conceptSchemes_en.csv" in notes
    assert not EscoConcept.objects.filter(preferred_label_en="assembleur de batteries").exists()
    assert "classification-fr/occupations_fr.csv" not in report.files


def test_rerun_reports_unchanged_and_writes_nothing():
    first = import_esco(GOOD)
    assert first.changed and first.run_id is not None
    # one summary audit entry for the whole run, pointing at the run record
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT)
    assert entries.count() == 1
    assert entries.get().object_id == str(first.run_id)
    assert "occupations: created 3" in entries.get().message
    before = _state()
    ids = dict(EscoConcept.objects.values_list("uri", "id"))

    second = import_esco(GOOD)

    assert not second.changed and second.run_id is None
    assert second.counts["skills"] == {"created": 0, "updated": 0, "unchanged": 7}
    assert second.counts["occupation–skill relations"] == {"created": 0, "updated": 0, "removed": 0, "unchanged": 8}
    assert _state() == before
    assert dict(EscoConcept.objects.values_list("uri", "id")) == ids


def test_language_packs_fill_their_columns_without_duplicating_concepts(tmp_path):
    import_esco(GOOD)
    count = EscoConcept.objects.count()

    report = import_esco(FIXTURES / "pack-fi")
    assert report.languages == ["fi"]
    assert report.counts["occupations"] == {"created": 0, "updated": 2, "unchanged": 0}
    import_esco(FIXTURES / "pack-sv")

    assert EscoConcept.objects.count() == count
    assembler = EscoConcept.objects.get(uri=BATTERY_ASSEMBLER)
    assert assembler.preferred_label_en == "battery assembler"
    assert assembler.preferred_label_fi == "akkujen kokoonpanija"
    assert assembler.preferred_label_sv == "batterimontör"
    assert assembler.alt_labels_fi.splitlines() == ["akkuasentaja", "akkujen valmistaja"]
    assert "akkuasentaja" in assembler.search_text and "batterimontör" in assembler.search_text
    # relations and collections are untouched by a pack that has none
    assert EscoOccupationSkill.objects.count() == 8
    assert EscoConcept.objects.get(uri=ENERGY_STORAGE).collections == ["green"]
    # and the packs are idempotent too
    assert not import_esco(FIXTURES / "pack-fi").changed


def test_packs_in_one_folder_and_in_any_order_end_in_the_same_state(tmp_path):
    combined = package_with(tmp_path, "pack-fi", "pack-sv")
    report = import_esco(combined)
    assert report.languages == ["fi", "sv", "en"]
    chemistry = EscoConcept.objects.get(uri=BATTERY_CHEMISTRY)
    assert (chemistry.preferred_label_fi, chemistry.preferred_label_sv, chemistry.preferred_label_en) == (
        "akkukemia",
        "batterikemi",
        "battery chemistry",
    )
    snapshot = sorted(EscoConcept.objects.values_list("uri", "code", "preferred_label_fi", "preferred_label_en"))
    EscoConcept.objects.all().delete()
    import_esco(FIXTURES / "pack-fi")  # Finnish first, then English: the English pack still sets the shared fields
    import_esco(GOOD)
    assert (
        sorted(EscoConcept.objects.values_list("uri", "code", "preferred_label_fi", "preferred_label_en")) == snapshot
    )


def test_changed_label_and_removed_relation_are_updated(tmp_path):
    import_esco(GOOD)
    package = package_with(tmp_path)
    skills = package / "classification-en" / "skills_en.csv"
    skills.write_text(skills.read_text(encoding="utf-8").replace("battery chemistry,", "battery chemistry basics,"))
    relations = package / "relations" / "skillSkillRelations.csv"
    relations.write_text(relations.read_text(encoding="utf-8").splitlines()[0] + "\n")

    report = import_esco(package)

    assert report.counts["skills"] == {"created": 0, "updated": 1, "unchanged": 6}
    assert report.counts["skill–skill relations"]["removed"] == 1
    assert EscoConcept.objects.get(uri=BATTERY_CHEMISTRY).preferred_label_en == "battery chemistry basics"
    assert not EscoSkillRelation.objects.exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).count() == 2


# --- bad input: nothing written, the report names file, line and column ------------------------------------


BAD_CASES = [
    ("missing-column", "classification-en/skills_en.csv", 1, "preferredLabel", "The column is missing"),
    ("truncated", "classification-en/skills_en.csv", 5, "altLabels", "the file looks truncated"),
    ("truncated-row", "relations/occupationSkillRelations.csv", 9, "skillType", "looks truncated"),
    ("non-utf8", "classification-en/occupations_en.csv", 6, "description", "The file is not UTF-8"),
    ("duplicate-uri", "classification-en/skills_en.csv", 7, "conceptUri", "Duplicated URI"),
]


@pytest.mark.parametrize(("case", "file", "line", "column", "message"), BAD_CASES)
def test_bad_input_is_rejected_with_its_place_and_nothing_is_written(tmp_path, case, file, line, column, message):
    package = package_with(tmp_path, f"bad/{case}")
    with pytest.raises(EscoImportError) as caught:
        import_esco(package)

    problems = [p for p in caught.value.problems if p.file == file]
    assert problems, caught.value.lines()
    problem = problems[0]
    assert (problem.line, problem.column) == (line, column), caught.value.lines()
    text = str(problem)
    assert text.startswith(f"{file}, line {line}")
    assert message in text
    if column:
        assert f"column {column}" in text
    assert _state() == (0, 0, 0, 0, 0, 0)


def test_bad_input_leaves_an_earlier_import_untouched(tmp_path):
    import_esco(GOOD)
    before = _state()
    labels = dict(EscoConcept.objects.values_list("uri", "preferred_label_en"))
    package = package_with(tmp_path, "bad/duplicate-uri")
    with pytest.raises(EscoImportError):
        import_esco(package)
    assert _state() == before
    assert dict(EscoConcept.objects.values_list("uri", "preferred_label_en")) == labels


def test_unknown_concepts_reject_the_import_listing_every_uri(tmp_path):
    package = package_with(tmp_path, "bad/unknown-uri")
    with pytest.raises(EscoImportError) as caught:
        import_esco(package)

    lines = caught.value.lines()
    unknown = [line for line in lines if "Unknown concept" in line]
    assert len(unknown) == 3, lines
    joined = "\n".join(unknown)
    for uri, where in (
        (
            "occupation/00000000-0000-4000-8000-000000000001",
            "relations/occupationSkillRelations.csv, line 10, column occupationUri",
        ),
        (
            "skill/00000000-0000-4000-8000-000000000002",
            "relations/occupationSkillRelations.csv, line 11, column skillUri",
        ),
        (
            "skill/00000000-0000-4000-8000-000000000003",
            "relations/broaderRelationsSkillPillar.csv, line 3, column broaderUri",
        ),
    ):
        assert uri in joined
        assert where in joined
    assert "referred to 2 time(s)" in joined  # the unknown occupation is used twice, reported once
    assert _state() == (0, 0, 0, 0, 0, 0)


def test_a_relation_of_the_wrong_kind_is_rejected(tmp_path):
    package = package_with(tmp_path)
    relations = package / "relations" / "occupationSkillRelations.csv"
    relations.write_text(
        relations.read_text(encoding="utf-8") + f"{BATTERY_ASSEMBLER},essential,knowledge,{BATTERY_ASSEMBLER}\n"
    )
    with pytest.raises(EscoImportError) as caught:
        import_esco(package)
    assert any(
        "is of kind occupation; expected skill" in line and "column skillUri" in line for line in caught.value.lines()
    )


def test_known_upstream_gap_is_skipped_with_a_note_unless_strict(tmp_path):
    gap = next(iter(KNOWN_UPSTREAM_GAPS))
    package = package_with(tmp_path)
    relations = package / "relations" / "occupationSkillRelations.csv"
    relations.write_text(relations.read_text(encoding="utf-8") + f"{gap},essential,knowledge,{BATTERY_CHEMISTRY}\n")

    with pytest.raises(EscoImportError) as caught:
        import_esco(package, strict=True)
    assert any(gap in line for line in caught.value.lines())

    report = import_esco(package)
    assert any(gap in note and "skipped 1 relation row" in note for note in report.notes)
    assert EscoOccupationSkill.objects.count() == 8


def test_empty_directory_and_missing_directory_are_errors(tmp_path):
    with pytest.raises(EscoImportError, match="problem"):
        import_esco(tmp_path)
    with pytest.raises(EscoImportError):
        import_esco(tmp_path / "nope")


def test_problems_are_reported_in_the_users_language(tmp_path):
    package = package_with(tmp_path, "bad/missing-column")
    with pytest.raises(EscoImportError) as caught:
        import_esco(package)
    with translation.override("fi"):
        assert caught.value.lines()[0].startswith(
            "classification-en/skills_en.csv, rivi 1, sarake preferredLabel: Sarake puuttuu"
        )
    with translation.override("sv"):
        assert caught.value.lines()[0].startswith(
            "classification-en/skills_en.csv, rad 1, kolumn preferredLabel: Kolumnen saknas"
        )


def test_empty_file_is_an_error(tmp_path):
    package = package_with(tmp_path)
    (package / "relations" / "skillSkillRelations.csv").write_bytes(b"")
    with pytest.raises(EscoImportError) as caught:
        import_esco(package)
    assert "relations/skillSkillRelations.csv, line 1: The file is empty." in caught.value.lines()


def test_command_prints_the_report_and_fails_with_a_non_zero_status(tmp_path, capsys):
    call_command("import_esco", str(GOOD), "--no-progress")
    out = capsys.readouterr().out
    assert "occupations: created 3" in out
    assert "ESCO import finished." in out

    bad = package_with(tmp_path, "bad/missing-column")
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_esco", str(bad), "--no-progress")
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "import_esco", str(bad), "--no-progress", "--language", "en"])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "classification-en/skills_en.csv, line 1, column preferredLabel" in err


def test_subfolders_are_searched_recursively(tmp_path):
    nested = tmp_path / "downloads" / "esco-1.1.1"
    shutil.copytree(GOOD, nested)
    report = import_esco(tmp_path)
    assert report.counts["occupations"]["created"] == 3
    assert "downloads/esco-1.1.1/classification-en/occupations_en.csv" in report.files


@pytest.mark.skipif(not SHARED_ESCO.is_dir(), reason=f"the shared ESCO v1.1.1 package is not at {SHARED_ESCO}")
def test_the_official_english_package_imports_and_reimports_unchanged():
    started = time.monotonic()
    report = import_esco(SHARED_ESCO)
    elapsed = time.monotonic() - started

    assert report.counts["occupations"]["created"] == 3007
    assert report.counts["skills"]["created"] == 13896
    assert report.counts["ISCO groups"]["created"] == 619
    assert report.counts["skill groups"]["created"] == 647  # 640 + 7 named only in skillsHierarchy_en.csv
    # 123,855 rows minus the 67 that refer to the occupation missing from the package
    assert report.counts["occupation–skill relations"]["created"] == 123788
    assert report.counts["skill–skill relations"]["created"] == 5899
    assert report.collections["green"] == 570
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).count() == 1
    chemistry = EscoConcept.objects.get(uri=BATTERY_CHEMISTRY)
    assert chemistry.preferred_label_en == "battery chemistry"
    assert EscoConcept.objects.get(uri=ASSEMBLE_BATTERIES).occupation_relations.get().occupation.uri == (
        BATTERY_ASSEMBLER
    )
    print(f"\nofficial ESCO v1.1.1 (en) imported in {elapsed:.1f} s")  # noqa: T201 - figure for the report

    again = import_esco(SHARED_ESCO)
    assert not again.changed
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).count() == 1
