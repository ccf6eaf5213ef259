import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, on_mias_dashboard

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def viewport():
    return PHONE


@pytest.fixture
def signed_in(live_server, page):
    on_mias_dashboard(live_server, page)
    return page


def test_log_edit_delete_undo_and_see_it_in_history(signed_in, audit):
    page = signed_in
    audit()
    recent = page.locator("#recent-entries")

    # A count, typed the way the lab printed it; the form asks instead of guessing.
    quick_count = page.locator("#quick-count")
    quick_count.get_by_label("Platelet count").fill("45,000")
    quick_count.get_by_role("button", name="Save count").click()
    expect(quick_count.get_by_text("Did you mean 45 ×10⁹/L (45,000 per µL)?")).to_be_visible()
    expect(quick_count.get_by_label("Platelet count")).to_have_value("45,000")
    audit()
    quick_count.get_by_label("Yes, I meant 45 ×10⁹/L (45,000 per µL)").check()
    quick_count.get_by_role("button", name="Save count").click()
    expect(page.get_by_text("Saved the count of 45 ×10⁹/L")).to_be_visible()
    expect(recent.get_by_text("45 ×10⁹/L")).to_be_visible()

    # A nosebleed: kind and time are all it takes.
    quick_bleed = page.locator("#quick-bleed")
    quick_bleed.get_by_label("Nosebleed").check()
    quick_bleed.get_by_label("Yes, it stopped").check()
    quick_bleed.get_by_role("button", name="Save bleed").click()
    expect(page.get_by_text("Saved the nosebleed")).to_be_visible()
    expect(recent.get_by_text("Nosebleed")).to_be_visible()
    audit()

    # Edit the count (after a reload, as the rows came in through htmx).
    page.reload()
    recent.get_by_role("link", name="Edit count").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit count")
    audit()
    page.get_by_label("Platelet count").fill("52")
    page.get_by_label("×10⁹/L, K/µL or G/L (like 45)").check()
    page.get_by_label("Lab or clinic").fill("City lab")
    page.get_by_role("button", name="Save count").click()
    expect(page.get_by_text("Saved your changes to the count of 52 ×10⁹/L")).to_be_visible()

    # Delete it, then change our mind.
    recent.get_by_role("link", name="Delete count").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete this count?")
    audit()
    page.get_by_role("button", name="Delete count").click()
    expect(page.get_by_text("Deleted the count of 52 ×10⁹/L")).to_be_visible()
    expect(recent.get_by_text("52 ×10⁹/L")).to_have_count(0)
    audit()
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("Restored the count of 52 ×10⁹/L")).to_be_visible()
    expect(recent.get_by_text("52 ×10⁹/L")).to_be_visible()

    # History has both, with who entered them.
    page.get_by_role("link", name="All history").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia’s history")
    expect(page.get_by_text("52 ×10⁹/L")).to_be_visible()
    expect(page.get_by_text("Entered by Jo")).to_be_visible()
    audit()
    page.get_by_role("link", name="Bleeds").click()
    expect(page.locator("#history-entries").get_by_text("Nosebleed")).to_be_visible()
    audit()


def test_add_a_treatment(signed_in, audit):
    page = signed_in
    page.get_by_role("link", name="Add a treatment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a treatment")
    audit()
    page.get_by_label("Medicine or procedure").select_option(label="Eltrombopag")
    page.get_by_label("Dose").fill("50 mg a day")
    page.get_by_role("button", name="Save treatment").click()
    expect(page.get_by_text("Saved Eltrombopag from")).to_be_visible()
