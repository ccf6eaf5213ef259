import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.html_checker import HtmlChecker
from tests.factories import PASSWORD, make_patient, make_user

PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1280, "height": 800}

_axe = Axe()
# Fields one types or picks in that are shown less than 44 px high (WCAG's target size): a
# field of a type the style sheet does not reach (a phone number once was 20 px high). A tick
# box or a round button is left out: its label is what one taps.
SMALL_FIELDS = """() => [...document.querySelectorAll("input, select, textarea")]
  .filter((field) => !["radio", "checkbox", "hidden"].includes(field.type))
  .filter((field) => field.checkVisibility() && field.getBoundingClientRect().height < 44)
  .map((field) => field.outerHTML)"""


@pytest.fixture(params=[PHONE, DESKTOP], ids=["phone", "desktop"])
def viewport(request):
    """Both sizes by default; a module that is about the phone overrides this fixture."""
    return request.param


@pytest.fixture
def browser_context_args(browser_context_args, viewport, request):
    """The module's viewport; JavaScript off where a test asks for it (indirect param False)."""
    javascript = getattr(request, "param", True)
    return {**browser_context_args, "viewport": viewport, "java_script_enabled": javascript}


@pytest.fixture
def console_errors(page) -> list[str]:
    """Every console error and uncaught exception (CSP violations are console errors)."""
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture(scope="session")
def html_checker():
    checker = HtmlChecker()
    yield checker
    checker.stop()


@pytest.fixture
def audit(page, console_errors, html_checker):
    """Check the page now shown: zero axe-core violations, no console errors, one <h1>, and
    valid HTML by the Nu HTML Checker (its warnings allowed), as the page stands now (what
    htmx and the chart's script put in it included)."""

    def check():
        page.wait_for_load_state("load")
        results = _axe.run(page)
        assert results.violations_count == 0, results.generate_report()
        assert console_errors == [], console_errors
        assert page.locator("h1").count() == 1
        assert page.evaluate(SMALL_FIELDS) == [], "fields left smaller than a fingertip"
        errors = html_checker.errors(page.content())
        assert errors == [], "\n".join(errors)

    return check


@pytest.fixture(autouse=True)
def every_page_is_valid_html(page, html_checker):
    """Every page a test opens, as the server sent it, is valid HTML: audit() checks the pages
    a test looks at closely, this the ones it passes through (and pages before scripts ran)."""
    sent: list[tuple[str, str]] = []

    def keep(response):
        html = "text/html" in response.headers.get("content-type", "")
        redirect = 300 <= response.status < 400  # has no body
        if html and not redirect and response.request.resource_type == "document":
            sent.append((response.url, response.text()))

    page.on("response", keep)
    yield
    problems = [
        f"{url}\n  " + "\n  ".join(errors)
        for url, html in sent
        if (errors := html_checker.errors(html))
    ]
    assert problems == [], "\n".join(problems)


@pytest.fixture(autouse=True)
def short_timeouts(page):
    # Fail in seconds, not half a minute, when something the test waits for never appears; and
    # give an assertion as long as an action (expect's own 5 s ran out on a loaded machine
    # while the offline page sent what waited and went back to the dashboard).
    page.set_default_timeout(10_000)
    page.set_default_navigation_timeout(15_000)
    expect.set_options(timeout=10_000)


def log_in(page, live_server, email, password=PASSWORD, path="/login/"):
    """Log in through the login page, as a person would."""
    page.goto(f"{live_server.url}{path}")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def on_mias_dashboard(live_server, page):
    """Jo, Mia's parent, logged in on Mia's dashboard (nothing logged yet): Mia's record."""
    patient = make_patient(make_user("parent@example.com", "Jo"), name="Mia")
    log_in(page, live_server, "parent@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia’s dashboard")
    return patient


def main_menu(page):
    """The header's links to the record's pages and the account: on a phone, after opening
    the menu as a person would; on a wide screen they stand in the header."""
    menu = page.locator(".site-menu")
    button = menu.locator("> summary")
    if button.is_visible() and menu.get_attribute("open") is None:
        button.click()
    return page.get_by_role("banner")
