import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.throttle import client_ip
from tests.cache import clear_own_keys
from tests.clock import pinned
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.django_db, pinned, pytest.mark.cache]


def attempt(client, email, password, forwarded_for=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def test_an_account_is_locked_after_five_wrong_passwords(client, settings):
    make_user("lee@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "lee@example.com", "wrong").status_code == 200
    assert attempt(client, "lee@example.com", "wrong").status_code == 429
    response = attempt(client, "lee@example.com", PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_spoofed_x_forwarded_for_does_not_reset_the_counter(client, settings):
    make_user("lee@example.com")
    for number in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "lee@example.com", "wrong", forwarded_for=f"203.0.113.{number}")
    response = attempt(client, "lee@example.com", PASSWORD, forwarded_for="198.51.100.7")
    assert response.status_code == 429


def test_one_address_trying_many_accounts_is_locked(client, settings):
    for number in range(settings.AXES_FAILURE_LIMIT):
        make_user(f"user{number}@example.org")
        attempt(client, f"user{number}@example.org", "wrong", forwarded_for=f"203.0.113.{number}")
    make_user("fresh@example.org")
    assert attempt(client, "fresh@example.org", PASSWORD).status_code == 429


def test_the_counter_is_kept_in_the_shared_cache_not_in_process_memory(client, settings):
    from django.core.cache import caches

    assert settings.AXES_HANDLER == "axes.handlers.cache.AxesCacheHandler"
    assert "LocMem" not in settings.CACHES[settings.AXES_CACHE]["BACKEND"]
    make_user("lee@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "lee@example.com", "wrong")
    # Another worker has its own memory but the same cache: emptying it unlocks the account.
    clear_own_keys(caches[settings.AXES_CACHE])
    assert attempt(client, "lee@example.com", PASSWORD).status_code == 302


def test_a_successful_login_after_fewer_failures_works(client, settings):
    make_user("lee@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "lee@example.com", "wrong")
    assert attempt(client, "lee@example.com", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.1"),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "1.2.3.4, 203.0.113.9", "203.0.113.9"),
        (2, "1.2.3.4, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (1, "", "10.0.0.1"),
    ],
)
def test_client_ip_believes_only_our_own_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


# --- As an attacker would try it -------------------------------------------------------------


def attempt_from(client, address, email, password):
    return client.post(
        reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def test_wrong_guesses_from_many_addresses_lock_the_account(client, settings):
    make_user("lee@example.com")
    addresses = [f"203.0.113.{n}" for n in range(6)]
    for number in range(24):
        # Each address stays under the per-address limit; the account's count does not.
        typed = "Lee@Example.com " if number % 2 else "lee@example.com"
        attempt_from(client, addresses[number % 6], typed, "wrong")
    response = attempt_from(client, "198.51.100.7", "lee@example.com", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_account_count_starts_with_the_first_failure(client, settings):
    make_user("lee@example.com")
    for number in range(settings.AXES_FAILURE_LIMIT):
        attempt_from(client, f"203.0.113.{number}", "LEE@example.com", "wrong")
    assert attempt_from(client, "198.51.100.7", "lee@example.com", PASSWORD).status_code == 429


def test_other_peoples_failures_never_lock_a_newcomer_out(client, settings):
    for number in range(3 * settings.AXES_FAILURE_LIMIT):
        make_user(f"user{number}@example.org")
        attempt_from(client, f"203.0.113.{number}", f"user{number}@example.org", "wrong")
    make_user("fresh@example.org")
    response = attempt_from(client, "198.51.100.7", "fresh@example.org", "wrong")
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert attempt_from(client, "198.51.100.7", "fresh@example.org", PASSWORD).status_code == 302


def test_the_operator_can_lift_a_lock_out_of_the_account_and_of_the_address(client, settings):
    make_user("lee@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt_from(client, "203.0.113.9", "lee@example.com", "wrong")
    out = io.StringIO()
    call_command("axes_reset", "--email", "LEE@example.com", stdout=out)
    assert "Unlocked the account LEE@example.com" in out.getvalue()
    # The address's own count is separate, and still full.
    assert attempt_from(client, "203.0.113.9", "lee@example.com", PASSWORD).status_code == 429
    call_command("axes_reset", "--ip", "203.0.113.9", stdout=out)
    assert attempt_from(client, "203.0.113.9", "lee@example.com", PASSWORD).status_code == 302


def test_axes_reset_without_a_name_explains_instead_of_crashing():
    with pytest.raises(CommandError, match="Name the account"):
        call_command("axes_reset")


def test_logging_into_your_own_account_does_not_reset_your_addresss_count(client, settings):
    make_user("mine@example.com")
    for number in range(12):
        make_user(f"victim{number}@example.org")
    refused = 0
    for number in range(12):
        response = attempt_from(client, "203.0.113.50", f"victim{number}@example.org", "wrong")
        refused += response.status_code == 429
        if number % 4 == 3:
            attempt_from(Client(), "203.0.113.50", "mine@example.com", PASSWORD)
    assert refused >= 12 - settings.AXES_FAILURE_LIMIT


@pytest.mark.parametrize(
    ("option", "value", "error"),
    [("--email", "nobody-here", "not an e-mail address"), ("--ip", "not-an-ip", "not an IP")],
)
def test_axes_reset_refuses_what_is_not_an_account_or_address(option, value, error):
    with pytest.raises(CommandError, match=error):
        call_command("axes_reset", option, value)


def test_axes_reset_says_when_there_is_nothing_to_unlock(db):
    out = io.StringIO()
    call_command("axes_reset", "--email", "calm@example.com", stdout=out)
    assert "No failed attempts are recorded for the account calm@example.com" in out.getvalue()
