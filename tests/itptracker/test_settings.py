import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k8Jq2-production-like-secret-9vX!pL4@zR7#mN1$wT6%yB3^cF5&hD0*gS"
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "itp.example.org"}


def django_check(*args: str, **env: str) -> subprocess.CompletedProcess:
    ignored = {"DATABASE_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in ignored}
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_development_defaults_pass_the_system_check():
    result = django_check()
    assert result.returncode == 0, result.stderr


def test_bad_database_url_stops_start_up_with_a_clear_message():
    result = django_check(DATABASE_URL="mysq://nobody@nowhere/x")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_database_url_for_an_unsupported_engine_is_refused():
    result = django_check(DATABASE_URL="mysql://root@127.0.0.1/test")
    assert result.returncode != 0
    assert "DATABASE_URL must be a sqlite:// or postgres:// URL" in result.stderr


def test_missing_secret_key_with_debug_off_stops_start_up():
    result = django_check(DEBUG="false", ALLOWED_HOSTS="itp.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_bad_boolean_is_refused():
    result = django_check(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_bad_time_zone_is_refused():
    result = django_check(TIME_ZONE="Mars/Olympus")
    assert result.returncode != 0
    assert "TIME_ZONE must be an IANA time zone" in result.stderr


def test_deploy_check_passes_with_production_variables():
    result = django_check(
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_on_development_settings():
    result = django_check("--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0


def test_production_cookies_are_secure_http_only_lax_and_host_prefixed():
    ignored = {"DATABASE_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in ignored}
    env.update(PRODUCTION)
    script = (
        "from django.conf import settings as s; print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.CSRF_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SAMESITE)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split()[-8:] == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "True",
        "True",
        "Lax",
        "Lax",
    ], result.stderr


def start_up(code: str = "", **env: str) -> subprocess.CompletedProcess:
    """`django.setup()` in a fresh interpreter with these variables, then `code`.

    Quicker than `manage.py check`, and enough: settings are read at set-up.
    """
    ignored = {"DATABASE_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "LOG_LEVEL"}
    clean = {k: v for k, v in os.environ.items() if k not in ignored}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "itptracker.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "key",
    [
        STRONG_KEY[:49],
        "ab" * 30,
        "django-insecure-" + STRONG_KEY,
    ],
    ids=["short", "few-distinct-characters", "django-insecure"],
)
def test_a_weak_secret_key_with_debug_off_stops_start_up(key):
    result = start_up(**{**PRODUCTION, "SECRET_KEY": key})
    assert result.returncode != 0
    assert "SECRET_KEY must be 50 or more random characters" in result.stderr


def test_a_weak_secret_key_is_fine_in_development():
    assert start_up(DEBUG="true", SECRET_KEY="short").returncode == 0


def test_log_level_is_read_in_any_case():
    result = start_up(
        "import logging; from django.conf import settings;"
        " print(settings.LOG_LEVEL, logging.getLevelName(logging.getLogger().level))",
        LOG_LEVEL="debug",
    )
    assert result.stdout.split() == ["DEBUG", "DEBUG"], result.stderr


def test_an_unknown_log_level_stops_start_up():
    result = start_up(LOG_LEVEL="verbose")
    assert result.returncode != 0
    assert "LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not 'verbose'" in (
        result.stderr
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SESSION_IDLE_TIMEOUT", "0", "at least 1"),
        ("SESSION_IDLE_TIMEOUT", "-60", "at least 1"),
        ("SESSION_COOKIE_AGE", "0", "at least 1"),
        ("LOGIN_COOLOFF_MINUTES", "0", "at least 1"),
        ("LOGIN_FAILURE_LIMIT", "0", "at least 1"),
        ("DB_CONN_MAX_AGE", "-1", "at least 0"),
        ("SECURE_HSTS_SECONDS", "-1", "at least 0"),
        ("EMAIL_PORT", "0", "at least 1"),
        ("EMAIL_PORT", "65536", "at most 65535"),
        ("TRUSTED_PROXY_COUNT", "-1", "at least 0"),
        ("SESSION_REMEMBER_AGE", "99999999999999999999999", "at most 34560000"),
        ("SESSION_REMEMBER_AGE", "60", "at least 3600"),
        ("SESSION_COOKIE_AGE", "34560001", "at most 34560000"),
    ],
)
def test_a_number_out_of_range_stops_start_up(name, value, message):
    # Production settings, so that the HSTS setting is read at all.
    result = start_up(**{**PRODUCTION, name: value})
    assert result.returncode != 0
    assert f"{name} must be {message}, not {value}." in result.stderr


def test_zero_is_allowed_where_it_means_something():
    zeros = dict.fromkeys(["DB_CONN_MAX_AGE", "SECURE_HSTS_SECONDS", "TRUSTED_PROXY_COUNT"], "0")
    result = start_up(**PRODUCTION, **zeros)
    assert result.returncode == 0, result.stderr


def test_one_request_logs_one_line(tmp_path):
    # Django's own logging set-up and ours together: the dev server printed each line twice.
    result = start_up(
        "from django.test import Client; Client().get('/no-such-page/', HTTP_HOST='localhost')",
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["Not Found: /no-such-page/"]


def test_a_refused_request_logs_one_line_without_a_traceback(tmp_path):
    result = start_up(
        "from django.test import Client; Client().get('/', HTTP_HOST='evil.example')",
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Invalid HTTP_HOST header: 'evil.example'" in lines[0]
    assert "Traceback" not in result.stderr
