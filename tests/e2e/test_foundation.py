import io
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from readings.management.commands.seed_demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.e2e.conftest import SMALL_FIELDS, log_in, main_menu

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long enough passphrase 42"


def test_a_new_user_signs_up_logs_out_and_logs_back_in(live_server, page, audit):
    page.goto(live_server.url)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit()

    page.get_by_role("link", name="Sign up").first.click()
    expect(page.get_by_role("heading", name="Sign up")).to_be_visible()
    audit()
    page.get_by_label("E-mail address").fill("new.parent@example.com")
    page.get_by_label("Your name").fill("Jo")
    page.get_by_label("My child’s").check()
    page.get_by_label("Your child’s first name").fill("Mia")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    expect(page.get_by_text("new.parent@example.com")).to_be_visible()
    audit()
    (message,) = mail.outbox
    link = re.search(r"http://\S+/account/confirm/\S+/", message.body).group(0)
    page.goto(live_server.url + urlsplit(link).path)  # the link, opened on the same phone
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia’s dashboard")
    expect(page.get_by_text("new.parent@example.com is confirmed")).to_be_visible()
    expect(main_menu(page).get_by_text("Record shown: Mia")).to_be_visible()
    audit()

    main_menu(page).get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    audit()

    log_in(page, live_server, "new.parent@example.com", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia’s dashboard")
    expect(page).to_have_url(re.compile(r"/p/[0-9a-f-]{36}/$"))


def test_the_demo_account_logs_in(live_server, page, audit):
    call_command("seed_demo", stdout=io.StringIO())
    page.goto(f"{live_server.url}/login/")
    audit()
    log_in(page, live_server, DEMO_EMAIL, DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Alex’s dashboard")
    audit()
    page.get_by_role("link", name="When to get help").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("When to get help")
    audit()
    main_menu(page).get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    audit()


def test_the_wrong_password_is_explained_and_the_form_is_accessible(live_server, page, audit):
    page.goto(f"{live_server.url}/login/")
    log_in(page, live_server, "nobody@example.com", "not the password")
    expect(page.get_by_text("do not match an account")).to_be_visible()
    audit()


def test_the_html_checker_fails_errors_and_lets_warnings_pass(html_checker):
    # A duplicate id is an error; a section without a heading is only a warning.
    html = (
        '<!doctype html><html lang="en"><title>Check</title>'
        '<p id="a">One</p><p id="a">Two</p><section><p>No heading</p></section>'
    )
    (error,) = html_checker.errors(html)
    assert "Duplicate ID “a”" in error


def test_the_audit_finds_a_field_smaller_than_a_fingertip(page):
    page.set_content('<label>Phone <input type="tel" style="height: 20px"></label>')
    assert len(page.evaluate(SMALL_FIELDS)) == 1
