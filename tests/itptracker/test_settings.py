import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
        DEBUG="false",
        SECRET_KEY="k8Jq2-production-like-secret-9vX!pL4@zR7#mN1$wT6%yB3^cF5&hD0*gS",
        ALLOWED_HOSTS="itp.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_on_development_settings():
    result = django_check("--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0


def test_production_cookies_are_secure_http_only_lax_and_host_prefixed():
    ignored = {"DATABASE_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in ignored}
    env.update(DEBUG="false", SECRET_KEY="s" * 60, ALLOWED_HOSTS="itp.example.org")
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
