"""The dashboard's chart in Chromium: period and scale by keyboard alone, in the address and
without JavaScript; what a hover says; dark mode; on a phone and on a desktop."""

import datetime
import json
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from readings.charts import BACKGROUND, COUNT_COLOUR, DARK_COLOURS
from tests.e2e.conftest import DESKTOP, log_in
from tests.e2e.conftest import PHONE as NARROW
from tests.factories import make_episode, make_patient, make_reading, make_treatment, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# Days ago and count of each result: all under 10, a 0 and a "<10"; 6 in the last 6 months.
COUNTS = [(150, "6"), (120, "3"), (90, "0"), (75, "<10"), (45, "4"), (0, "6"), (300, "9")]


@pytest.fixture(params=[PHONE, DESKTOP], ids=["phone", "desktop"])
def viewport(request):
    return request.param


@pytest.fixture
def robin(live_server, page):
    """Robin's dashboard, logged in: low counts, a threshold of 20, romiplostim for 10 days and a
    nosebleed half an hour ago."""
    return robins_dashboard(live_server, page)


def robins_dashboard(live_server, page):
    owner = make_user("robin.parent@example.com", "Jo")
    patient = make_patient(owner, name="Robin", alert_threshold=20)
    today = timezone.localdate()
    for days, count in COUNTS:
        below = count.startswith("<")
        make_reading(
            patient,
            count.lstrip("<"),
            drawn_on=today - datetime.timedelta(days=days),
            comparator="<" if below else "",
            entered_text=count,
        )
    make_treatment(patient, "romiplostim", started_on=today - datetime.timedelta(days=10))
    started = timezone.now() - datetime.timedelta(minutes=30)
    make_episode(patient, "nosebleed", started_at=started, severity="moderate")
    log_in(page, live_server, "robin.parent@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Robin’s dashboard")
    return page


def drawn(page, scale: str) -> None:
    """Wait until the chart (maybe a new one, after a swap) is drawn on `scale`."""
    page.locator("#chart").scroll_into_view_if_needed()
    page.wait_for_function(
        """scale => {
            const chart = document.getElementById("chart");
            return chart && chart._fullLayout && chart._fullLayout.yaxis.type === scale;
        }""",
        arg=scale,
    )


def tab_to(page, name: str, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the link or button called `name` has the focus."""
    for _ in range(80):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def shown(page, address: str, link: str) -> None:
    """The address ends with `address`, and the link `link` (its id) says it is the view shown,
    and has the focus still after htmx swapped the panel."""
    expect(page).to_have_url(re.compile(re.escape(address) + "$"))
    chosen = page.locator(f"#{link}")
    expect(chosen).to_have_attribute("aria-current", "page")
    expect(chosen).to_be_focused()


def test_period_and_scale_by_keyboard_alone(robin, audit):
    page = robin
    drawn(page, "linear")
    base = page.url.split("?")[0]
    # The plot is hidden from screen readers: the caption and the table say what it shows.
    expect(page.locator("#chart")).to_have_attribute("aria-hidden", "true")
    expect(page.get_by_text("6 counts from")).to_be_visible()
    points = page.locator("#chart .scatterlayer .trace").first.locator(".point")
    expect(points).to_have_count(6)

    page.locator("h1").focus()
    tab_to(page, "Log scale")
    page.keyboard.press("Enter")
    shown(page, f"{base}?range=6m&scale=log", "chart-scale-log")
    expect(page.locator("#chart-scale-linear")).not_to_have_attribute("aria-current", "page")
    drawn(page, "log")
    audit()

    tab_to(page, "1 year", backwards=True)
    page.keyboard.press("Enter")
    shown(page, f"{base}?range=1y&scale=log", "chart-range-1y")  # the scale is kept
    drawn(page, "log")
    expect(points).to_have_count(7)

    tab_to(page, "Linear scale")
    page.keyboard.press("Enter")
    shown(page, f"{base}?range=1y", "chart-scale-linear")
    drawn(page, "linear")
    audit()


def test_a_0_on_the_log_scale_is_on_the_floor_and_says_so(robin):
    page = robin
    page.goto(f"{page.url.split('?')[0]}?range=6m&scale=log")
    drawn(page, "log")
    layout = json.loads(page.evaluate("JSON.stringify(document.getElementById('chart').layout)"))
    # Every tick written in full.
    assert layout["yaxis"]["ticktext"] == [str(tick) for tick in layout["yaxis"]["tickvals"]]
    legend = page.locator("#chart .legend")
    expect(legend).to_contain_text("0, drawn at the foot of the log scale")
    expect(legend).to_contain_text("Below the lab’s limit (<)")
    # The 0 is the third count of the six: hovering over it says what it is.
    zero_day = timezone.localdate() - datetime.timedelta(days=90)
    point = page.locator("#chart .scatterlayer .trace").first.locator(".point").nth(2)
    box = point.bounding_box()  # the mouse, as Plotly's drag layer lies over the points
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    hover = page.locator("#chart .hoverlayer")
    expect(hover).to_contain_text(f"{zero_day.day} {zero_day:%b %Y}")
    expect(hover).to_contain_text("0 ×10⁹/L")
    expect(hover).to_contain_text("A log scale has no 0: drawn at its foot")


def test_dark_mode_draws_the_chart_in_dark_colours(robin, audit):
    page = robin
    page.emulate_media(color_scheme="dark")
    page.reload()
    drawn(page, "linear")

    def colours() -> tuple[str, str]:
        return tuple(
            page.evaluate(
                """() => {
                    const chart = document.getElementById("chart");
                    return [chart._fullLayout.paper_bgcolor, chart._fullData[0].line.color];
                }"""
            )
        )

    assert colours() == (DARK_COLOURS[BACKGROUND], DARK_COLOURS[COUNT_COLOUR])
    # No white block around the plot either.
    background = page.locator("#chart").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(28, 28, 31)"
    audit()
    # The system turning light again redraws it light.
    page.emulate_media(color_scheme="light")
    page.wait_for_function(
        "() => document.getElementById('chart')._fullLayout.paper_bgcolor === '#FFFFFF'"
    )
    assert colours() == (BACKGROUND, COUNT_COLOUR)


@pytest.mark.parametrize("viewport", [NARROW, PHONE, DESKTOP], ids=["360", "390", "1280"])
def test_todays_entries_and_treatment_name_are_drawn_whole(live_server, page, time_machine):
    # At two minutes to midnight the nosebleed of half an hour ago sits at the far end of today.
    late = datetime.datetime.combine(timezone.localdate(), datetime.time(23, 58))
    time_machine.move_to(timezone.make_aware(late), tick=True)
    page = robins_dashboard(live_server, page)
    drawn(page, "linear")
    plot = page.locator("#chart .nsewdrag").first.bounding_box()
    label = page.locator("#chart .annotation", has_text="Romiplostim").bounding_box()
    assert plot["x"] <= label["x"] and label["x"] + label["width"] <= plot["x"] + plot["width"]
    # Today's count, and the nosebleed on the strip below (a subplot of its own).
    for subplot in ("xy", "xy2"):
        points = page.locator(f"#chart .subplot.{subplot} .scatterlayer .point")
        today = points.last.bounding_box()
        assert today["x"] + today["width"] <= plot["x"] + plot["width"]


@pytest.mark.parametrize("viewport", [NARROW], ids=["360"])
@pytest.mark.parametrize("language", ["en-gb", "es"])
def test_every_legend_entry_is_drawn_whole_on_a_phone(live_server, page, language):
    page = robins_dashboard(live_server, page)
    User.objects.filter(email="robin.parent@example.com").update(language=language)
    page.reload()
    drawn(page, "linear")
    chart = page.locator("#chart").bounding_box()
    entries = page.locator("#chart .legend .traces")
    assert entries.count() >= 4  # the count, a bleed, both bands (one off the top)
    for entry in entries.all():
        box = entry.bounding_box()
        assert chart["x"] <= box["x"] and box["x"] + box["width"] <= chart["x"] + chart["width"]


@pytest.mark.parametrize("browser_context_args", [False], indirect=True, ids=["no-javascript"])
def test_without_javascript_the_scale_is_a_link_and_the_page_has_the_figure_for_it(robin):
    page = robin
    page.get_by_role("link", name="Log scale").click()
    expect(page).to_have_url(re.compile(r"\?range=6m&scale=log#chart-panel$"))
    expect(page.get_by_role("link", name="Log scale")).to_have_attribute("aria-current", "page")
    figure = json.loads(page.locator("#chart-data").inner_html())
    assert figure["layout"]["yaxis"]["type"] == "log"
    page.get_by_role("link", name="All time").click()
    expect(page).to_have_url(re.compile(r"\?range=all&scale=log#chart-panel$"))
