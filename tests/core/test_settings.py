"""Settings come from the environment and refuse bad values at start-up (each case in a fresh process)."""

from __future__ import annotations

import html
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

from tests.factories import OrganisationFactory

REPO_ROOT = Path(__file__).resolve().parents[2]

# Every variable config/settings.py reads; removed from the child's environment so the runner's own
# configuration (e.g. DATABASE_URL for the PostgreSQL run) cannot mask or cause a failure.
SETTINGS_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SITE_URL",
    "DATABASE_URL",
    "CONN_MAX_AGE",
    "CACHE_URL",
    "LOGIN_FAILURE_LIMIT",
    "LOGIN_COOLOFF_MINUTES",
    "LOGIN_THROTTLING",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "BEHIND_TLS_PROXY",
    "MEDIA_ROOT",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
    "DEFAULT_FROM_EMAIL",
    "LOG_LEVEL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests; a deploy check rightly refuses it
}

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64)[:64],
    "ALLOWED_HOSTS": "example.org",
}

# (case id, environment, the variable the error must name)
BAD_VALUES = [
    ("debug-typo", {"DEBUG": "ture"}, "DEBUG"),
    ("database-scheme", {"DATABASE_URL": "foo://x"}, "DATABASE_URL"),
    ("no-secret-key", {"DEBUG": "false", "ALLOWED_HOSTS": "example.org"}, "SECRET_KEY"),
    ("short-secret-key", {**PRODUCTION, "SECRET_KEY": "too-short-0123456789"}, "SECRET_KEY"),
    (
        "dev-secret-key",
        {**PRODUCTION, "SECRET_KEY": "dev-only-insecure-key-change-me-in-production-0123456789abcdef"},
        "SECRET_KEY",
    ),
    ("no-allowed-hosts", {"DEBUG": "false", "SECRET_KEY": PRODUCTION["SECRET_KEY"]}, "ALLOWED_HOSTS"),
    ("tls-and-ssl", {"EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"}, "EMAIL_USE_TLS"),
    ("login-limit", {"LOGIN_FAILURE_LIMIT": "abc"}, "LOGIN_FAILURE_LIMIT"),
    ("email-port", {"EMAIL_PORT": "twenty-five"}, "EMAIL_PORT"),
    ("secure-cookies", {"SECURE_COOKIES": "maybe"}, "SECURE_COOKIES"),
]


def _environment(overrides: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(overrides)
    return env


START_UP = ["-c", "import django; django.setup()"]  # what every entry point (manage.py, WSGI, ASGI) does first


def _start(args: list[str], overrides: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=_environment(overrides),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def results() -> dict[str, subprocess.CompletedProcess[str]]:
    """Run every case at once: each is a separate interpreter, so they can run side by side."""
    jobs = {case: _start(START_UP, env) for case, env, _name in BAD_VALUES}
    jobs["defaults"] = _start(["manage.py", "check"], {})
    jobs["production-deploy"] = _start(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    done = {}
    for case, process in jobs.items():
        stdout, stderr = process.communicate(timeout=120)
        done[case] = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    return done


def test_development_defaults_start(results):
    result = results["defaults"]
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(("case", "variable"), [(case, name) for case, _env, name in BAD_VALUES])
def test_bad_value_stops_start_up_and_names_the_variable(results, case, variable):
    result = results[case]
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


def test_production_settings_pass_the_deploy_check_without_warnings(results):
    result = results["production-deploy"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


# --- Languages: fixed in code, URL-prefixed ------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("sv-SE,sv;q=0.9,en;q=0.5", "/sv/"),
        ("fi-FI,fi;q=0.9", "/fi/"),
        ("en-GB,en;q=0.8", "/en/"),
        ("de-DE,sv;q=0.5", "/sv/"),
        ("de-DE", "/fi/"),  # nothing we speak: the default language
    ],
)
def test_root_redirects_by_accept_language(client, db, accept_language, expected):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept_language)
    assert response.status_code == 302
    assert response["Location"] == expected


@pytest.mark.parametrize("code", ["fi", "sv", "en"])
@pytest.mark.parametrize("path", ["", "organisations/", "organisations/osao-test/", "accounts/login/", "area/needs/"])
def test_pages_declare_their_language(anonymous, org_a, code, path):
    response = anonymous.get(f"/{code}/{path}", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    assert f'<html lang="{code}">' in response.content.decode()
    assert response["Content-Language"] == code


def _switcher_links(body: str) -> dict[str, str]:
    nav = body.split('class="language-switcher"', 1)[1].split("</nav>", 1)[0]
    return {code: html.unescape(href) for href, code in re.findall(r'<a href="([^"]+)" lang="(\w\w)"', nav)}


def test_language_switcher_keeps_the_page_and_the_query(anonymous, org_a):
    body = anonymous.get("/fi/organisations/osao-test/?country=FI").content.decode()
    assert _switcher_links(body) == {
        "fi": "/fi/organisations/osao-test/?country=FI",
        "sv": "/sv/organisations/osao-test/?country=FI",
        "en": "/en/organisations/osao-test/?country=FI",
    }
    for url in _switcher_links(body).values():
        assert anonymous.get(url).status_code == 200


def test_language_switcher_keeps_several_query_parameters(anonymous, org_a):
    body = anonymous.get("/sv/organisations/?country=FI&kind=education_provider&q=%C3%A5").content.decode()
    links = _switcher_links(body)
    assert links["en"] == "/en/organisations/?country=FI&kind=education_provider&q=%C3%A5"
    assert links["fi"].startswith("/fi/organisations/?")


def test_content_follows_the_language_with_fallback(anonymous, org_a):
    OrganisationFactory(slug="only-finnish", name_fi="Vain suomeksi", name_sv="", name_en="")
    assert "<h1>OSAO testi</h1>" in anonymous.get("/fi/organisations/osao-test/").content.decode()
    assert "<h1>OSAO test</h1>" in anonymous.get("/sv/organisations/osao-test/").content.decode()
    for code in ("sv", "en"):
        body = anonymous.get(f"/{code}/organisations/only-finnish/").content.decode()
        assert "<h1>Vain suomeksi</h1>" in body


def _swedish_pending():
    with translation.override("sv"):
        missing = translation.gettext("Organisations") == "Organisations"
    return pytest.mark.xfail(missing, reason="translation pending", strict=False)


@_swedish_pending()
def test_swedish_pages_show_swedish_interface_text(anonymous, db):
    with translation.override("sv"):
        expected = translation.gettext("Organisations")
    body = anonymous.get("/sv/organisations/").content.decode()
    assert expected != "Organisations"
    assert f"<h1>{expected}</h1>" in body
