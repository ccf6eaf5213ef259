import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def expected_status_only(console_errors: list[str], status: int) -> None:
    """Chromium reports the page's own error status on the console; anything else (a CSP
    violation, a missing file) stays in the list for the audit to fail on."""
    own = f"Failed to load resource: the server responded with a status of {status}"
    console_errors[:] = [error for error in console_errors if not error.startswith(own)]


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_not_found_page(live_server, page, audit, console_errors):
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We cannot find this page")
    expected_status_only(console_errors, 404)
    audit()
    assert fits_the_screen(page)
    page.get_by_role("link", name="Go to the start page").click()
    expect(page).to_have_url(f"{live_server.url}/")


def test_a_form_sent_without_its_cookie_gets_our_page(live_server, page, audit, console_errors):
    page.goto(f"{live_server.url}/login/")
    page.context.clear_cookies()
    page.get_by_label("E-mail address").fill("someone@example.com")
    page.get_by_label("Password").fill("a password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Please send that again")
    expected_status_only(console_errors, 403)
    audit()
    assert fits_the_screen(page)
