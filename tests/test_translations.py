"""The Finnish and Swedish catalogues must cover every UI message, keep placeholders and compile.

`test_catalogues_complete` regenerates the catalogues from a copy of the sources, so it catches both a
string that was never extracted (a stale catalogue) and one that was extracted but left untranslated or
fuzzy, without touching the checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import polib
import pytest
from django.core.management import call_command
from django.utils import translation

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("fi", "sv")
SOURCE_DIRS = ("battery_region", "config", "templates", "locale")
SOURCE_FILES = ("manage.py",)
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".venv", "node_modules", ".mypy_cache", ".ruff_cache")
SHOW = 20  # msgids listed per language in a failure message

# `%%` is consumed first so that an escaped percent sign is never mistaken for a placeholder.
PLACEHOLDER = re.compile(r"%%|%\([^)]*\)[sd]|%[sd]")


def _po_path(base: Path, language: str) -> Path:
    return base / "locale" / language / "LC_MESSAGES" / "django.po"


def _catalogues(base: Path, language: str) -> list[Path]:
    """The project catalogue and every app's own catalogue (an app with a locale/ folder keeps its strings)."""
    apps = sorted(base.glob(f"battery_region/*/locale/{language}/LC_MESSAGES/django.po"))
    return [_po_path(base, language), *apps]


def _placeholders(text: str) -> set[str]:
    return {match for match in PLACEHOLDER.findall(text) if match != "%%"}


def _problems(entry: polib.POEntry) -> list[str]:
    problems = []
    if "fuzzy" in entry.flags:
        problems.append("fuzzy")
    if entry.msgid_plural:
        forms = entry.msgstr_plural
        if not forms or any(not forms.get(index) for index in range(max(2, len(forms)))):
            problems.append("untranslated plural form")
    elif not entry.msgstr:
        problems.append("untranslated")
    return problems


def test_catalogues_complete(tmp_path: Path) -> None:
    copy = tmp_path / "project"
    copy.mkdir()
    for name in SOURCE_DIRS:
        shutil.copytree(ROOT / name, copy / name, ignore=SKIP)
    for name in SOURCE_FILES:
        shutil.copy2(ROOT / name, copy / name)

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    command = [
        sys.executable,
        "manage.py",
        "makemessages",
        *(f"-l{code}" for code in LANGUAGES),
        "--no-obsolete",
    ]
    result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"

    failures = []
    for path in [found for language in LANGUAGES for found in _catalogues(copy, language)]:
        catalogue = polib.pofile(str(path))
        bad = [entry for entry in catalogue if not entry.obsolete and _problems(entry)]
        header = ["the header is fuzzy"] if catalogue.metadata_is_fuzzy else []
        if bad or header:
            lines = [f"  {entry.msgid!r} ({', '.join(_problems(entry))})" for entry in bad[:SHOW]]
            more = [f"  … and {len(bad) - SHOW} more"] if len(bad) > SHOW else []
            summary = f"{path.relative_to(copy)}: {len(bad)} message(s) missing or fuzzy"
            failures.append("\n".join([summary, *(f"  {h}" for h in header), *lines, *more]))
    assert not failures, "Run `make messages` and translate:\n" + "\n".join(failures)


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_preserved(language: str) -> None:
    entries = [entry for path in _catalogues(ROOT, language) for entry in polib.pofile(str(path))]
    mismatches = []
    for entry in entries:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            pairs = [
                (entry.msgid if index == 0 else entry.msgid_plural, text)
                for index, text in sorted(entry.msgstr_plural.items())
            ]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, text in pairs:
            if text and _placeholders(text) != _placeholders(source):
                mismatches.append(f"  {source!r} -> {text!r}")
    assert not mismatches, f"{language}: placeholders differ from the source:\n" + "\n".join(mismatches)


def _compile_if_stale() -> bool:
    stale = False
    for language in LANGUAGES:
        po = _po_path(ROOT, language)
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            stale = True
    if stale:
        call_command(
            "compilemessages",
            locale=list(LANGUAGES),
            ignore_patterns=[".venv", "node_modules", ".tools", "var"],
            verbosity=0,
        )
    return stale


def test_compiled_catalogues_load(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # compilemessages also looks for locale directories under the working directory
    if _compile_if_stale():
        # Reassigning a translation setting makes Django drop the catalogues it has already loaded.
        settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)

    # Django's own admin catalogue also translates "Log in", so a project-only message is checked too.
    expected = {
        "fi": {"Log in": "Kirjaudu sisään", "Education provider": "Koulutuksen järjestäjä"},
        "sv": {"Log in": "Logga in", "Education provider": "Utbildningsanordnare"},
    }
    for language in LANGUAGES:
        with translation.override(language):
            for message, text in expected[language].items():
                assert translation.gettext(message) == text, f"{language}: {message!r}"

            # Every finished entry of the catalogue must come out of the compiled file as written.
            wrong = []
            for entry in polib.pofile(str(_po_path(ROOT, language))):
                if entry.obsolete or _problems(entry):
                    continue
                if entry.msgid_plural:
                    got = [
                        translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                        if entry.msgctxt
                        else translation.ngettext(entry.msgid, entry.msgid_plural, n)
                        for n in (1, 2)
                    ]
                    want = [entry.msgstr_plural[0], entry.msgstr_plural[1]]
                else:
                    got = [
                        translation.pgettext(entry.msgctxt, entry.msgid)
                        if entry.msgctxt
                        else translation.gettext(entry.msgid)
                    ]
                    want = [entry.msgstr]
                if got != want:
                    wrong.append(f"  {entry.msgid!r}: {got!r} != {want!r}")
            assert not wrong, f"{language}: the compiled catalogue differs from the .po:\n" + "\n".join(wrong[:SHOW])
