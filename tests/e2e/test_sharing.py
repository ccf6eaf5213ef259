"""Sharing in a real browser: two people, two browser contexts, one record.

The owner invites a grandparent, who signs up from the e-mail's link and can only look; the
owner lets them log, they log a count; the owner removes them and their next page is a 404.
Every page both of them see passes axe-core, has one <h1> and logs no console error.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Role
from tests.e2e.conftest import log_in, main_menu
from tests.factories import PASSWORD, add_member, make_patient, make_reading, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

_axe = Axe()


def open_page(browser, browser_context_args, **options):
    """A page in a browser context of its own (its own cookies: its own person)."""
    context = browser.new_context(**{**browser_context_args, **options})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.set_default_navigation_timeout(15_000)
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    return page


def audit(page):
    page.wait_for_load_state("load")
    results = _axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    assert page.console_errors == [], page.console_errors
    assert page.locator("h1").count() == 1


def heading(page):
    return page.get_by_role("heading", level=1)


def test_invite_accept_promote_and_remove(live_server, browser, browser_context_args):
    olive = make_user("olive@example.com", "Olive")
    sam = make_patient(olive, name="Sam")
    make_reading(sam, "45", user=olive)
    owner = open_page(browser, browser_context_args)
    gran = open_page(browser, browser_context_args)

    # The owner logs in and invites Gran to view.
    owner.goto(f"{live_server.url}/login/")
    owner.get_by_label("E-mail address").fill("olive@example.com")
    owner.get_by_label("Password").fill(PASSWORD)
    owner.get_by_role("button", name="Log in").click()
    expect(heading(owner)).to_have_text("Sam’s dashboard")
    main_menu(owner).get_by_role("link", name="Sharing", exact=True).click()
    expect(heading(owner)).to_have_text("Sharing Sam’s record")
    audit(owner)
    owner.get_by_role("link", name="Invite someone").click()
    expect(heading(owner)).to_have_text("Invite someone to Sam’s record")
    audit(owner)
    owner.get_by_label("Their e-mail address").fill("gran@example.com")
    owner.get_by_label("Can view").check()
    owner.get_by_role("button", name="Send invitation").click()
    expect(owner.get_by_text("Sent an invitation to gran@example.com")).to_be_visible()
    expect(owner.locator("#invitations-heading + ul")).to_contain_text("gran@example.com")
    audit(owner)

    # Gran follows the link from the e-mail, signs up (no record of her own) and accepts.
    link = re.search(r"http://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)
    gran.goto(link)
    expect(heading(gran)).to_have_text("Olive invited you to Sam’s record")
    assert "/invitations/accept/" in gran.url  # the token is no longer in the address bar
    audit(gran)
    gran.get_by_role("link", name="Create an account").click()
    expect(gran.get_by_label("E-mail address")).to_have_value("gran@example.com")
    expect(gran.get_by_label("Only the record I was invited to")).to_be_checked()
    audit(gran)
    gran.get_by_label("Your name").fill("Gran")
    gran.get_by_label("Password", exact=True).fill(PASSWORD)
    gran.get_by_label("Password confirmation").fill(PASSWORD)
    gran.get_by_role("button", name="Create my account").click()
    # Alerts are offered before she accepts: emergencies ticked, low counts hers to choose.
    emergency = gran.get_by_label(re.compile(r"^Someone logs a bleed that needs help now"))
    expect(emergency).to_be_checked()
    low_count = gran.get_by_label("Someone logs a count below the threshold the clinician set")
    expect(low_count).not_to_be_checked()
    audit(gran)
    gran.get_by_role("button", name="Accept the invitation").click()
    expect(heading(gran)).to_have_text("Sam’s dashboard")
    expect(main_menu(gran).get_by_text("Record shown: Sam")).to_be_visible()

    # She sees the chart, but nothing to change it with.
    expect(gran.locator("#chart .main-svg").first).to_be_visible()
    expect(gran.locator("#recent-entries")).to_contain_text("45 ×10⁹/L")
    expect(gran.get_by_role("button", name="Save count")).to_have_count(0)
    expect(gran.get_by_role("link", name=re.compile(r"^(Edit|Delete)"))).to_have_count(0)
    audit(gran)

    # Her own corner of the sharing page: alerts, and a way out.
    gran.get_by_role("link", name="Your access and e-mail alerts").click()
    expect(heading(gran)).to_have_text("Sharing Sam’s record")
    expect(gran.get_by_text("shared with you by Olive")).to_be_visible()
    audit(gran)
    expect(emergency).to_be_checked()  # as chosen when she accepted
    low_count.check()
    gran.get_by_role("button", name="Save my alerts").click()
    expect(gran.get_by_text("Saved your e-mail alerts.")).to_be_visible()
    expect(low_count).to_be_checked()
    gran.get_by_role("link", name="Leave Sam’s record").click()
    expect(heading(gran)).to_have_text("Leave Sam’s record?")
    audit(gran)
    gran.get_by_role("link", name="Stay").click()
    main_menu(gran).get_by_role("link", name="Dashboard", exact=True).click()

    # The owner, the only owner, cannot leave; but can let her log.
    owner.reload()
    owner.get_by_role("link", name="Leave this record").click()
    expect(heading(owner)).to_have_text("You are Sam’s only owner")
    audit(owner)
    owner.get_by_role("link", name="Back to sharing").click()
    owner.get_by_role("group", name="What Gran can do").get_by_label("Can log").check()
    owner.get_by_role("button", name="Save what Gran can do").click()
    expect(owner.get_by_text("Gran: can log.")).to_be_visible()
    audit(owner)

    gran.reload()
    quick_count = gran.locator("#quick-count")
    quick_count.get_by_label("Platelet count").fill("52")
    quick_count.get_by_role("button", name="Save count").click()
    expect(gran.get_by_text("Saved the count of 52 ×10⁹/L")).to_be_visible()
    audit(gran)

    # The owner removes her; her very next page load is a 404.
    owner.get_by_role("link", name="Remove Gran").click()
    expect(heading(owner)).to_have_text("Remove Gran from Sam’s record?")
    audit(owner)
    owner.get_by_role("button", name="Remove Gran").click()
    expect(owner.get_by_text("Removed Gran.")).to_be_visible()
    expect(owner.get_by_role("group", name="What Gran can do")).to_have_count(0)
    assert gran.reload().status == 404

    # And the owner can see what happened, and who did it.
    owner.get_by_role("link", name="See who opened or changed Sam’s record, and when").click()
    expect(heading(owner)).to_have_text("Who opened or changed Sam’s record")
    log = owner.locator(".access-log")
    expect(log.locator("li").first).to_contain_text("Olive (olive@example.com): Removed someone")
    expect(log).to_contain_text("Gran (gran@example.com): Added an entry")
    expect(log).to_contain_text("Gran (gran@example.com): Viewed the dashboard")
    expect(log).to_contain_text("Olive (olive@example.com): Changed someone’s access")
    audit(owner)
    owner.context.close()
    gran.context.close()


def test_the_owner_sees_each_piece_a_caregiver_read(live_server, browser, browser_context_args):
    """Gran reads through the pieces htmx loads; the log names each one, repeats counted, and
    the owner can leave out her own views."""
    olive = make_user("olive@example.com", "Olive")
    sam = make_patient(olive, name="Sam")
    make_reading(sam, "45", user=olive)
    add_member(sam, make_user("gran@example.com", "Gran"), Role.VIEWER)
    gran = open_page(browser, browser_context_args)
    owner = open_page(browser, browser_context_args)

    log_in(gran, live_server, "gran@example.com")
    expect(heading(gran)).to_have_text("Sam’s dashboard")
    for _ in range(3):
        with gran.expect_response(lambda response: "part=chart" in response.url):
            gran.get_by_role("link", name="All time").click()
    with gran.expect_response(lambda response: "part=table" in response.url):
        gran.get_by_text("The same counts as a table").click()
    expect(gran.locator("#chart-panel table tbody tr")).to_have_count(1)

    log_in(owner, live_server, "olive@example.com")
    owner.goto(f"{live_server.url}/p/{sam.pk}/access-log/")
    log = owner.locator(".access-log")
    expect(log).to_contain_text("Gran (gran@example.com): Viewed the dashboard chart, 3 times")
    expect(log).to_contain_text("Gran (gran@example.com): Viewed the table of counts")
    expect(log).to_contain_text("Gran (gran@example.com): Viewed the dashboard")
    expect(log).to_contain_text("Olive (olive@example.com): Viewed the dashboard")
    audit(owner)
    owner.get_by_label("Hide my own views and downloads").check()
    owner.get_by_role("button", name="Show").click()
    expect(owner.get_by_label("Hide my own views and downloads")).to_be_checked()
    expect(log).not_to_contain_text("Olive")
    expect(log).to_contain_text("Gran (gran@example.com): Viewed the dashboard chart, 3 times")
    audit(owner)
    owner.context.close()
    gran.context.close()


def test_sharing_works_without_javascript(live_server, browser, browser_context_args):
    """The same forms with scripting off (axe needs scripts, so the test above audits)."""
    olive = make_user("olive@example.com", "Olive")
    make_patient(olive, name="Sam")
    make_user("dad@example.com", "Dad")
    owner = open_page(browser, browser_context_args, java_script_enabled=False)
    dad = open_page(browser, browser_context_args, java_script_enabled=False)

    log_in(owner, live_server, "olive@example.com")
    main_menu(owner).get_by_role("link", name="Sharing", exact=True).click()
    owner.get_by_role("link", name="Invite someone").click()
    owner.get_by_label("Their e-mail address").fill("dad@example.com")
    owner.get_by_label("Can log").check()
    owner.get_by_role("button", name="Send invitation").click()
    expect(owner.get_by_text("Sent an invitation to dad@example.com")).to_be_visible()

    # Dad already has an account: the link, then log in, then accept.
    dad.goto(re.search(r"http://\S+/invitations/\S+/", mail.outbox[-1].body).group(0))
    dad.get_by_role("link", name="Log in", exact=True).last.click()
    dad.get_by_label("E-mail address").fill("dad@example.com")
    dad.get_by_label("Password").fill(PASSWORD)
    dad.get_by_role("button", name="Log in").click()
    expect(heading(dad)).to_have_text("Olive invited you to Sam’s record")
    dad.get_by_role("button", name="Accept the invitation").click()
    expect(heading(dad)).to_have_text("Sam’s dashboard")
    expect(dad.get_by_role("button", name="Save count")).to_be_visible()

    # The owner makes him an owner too (the other parent), then leaves; Dad keeps the record.
    owner.reload()
    owner.get_by_role("group", name="What Dad can do").get_by_label("Owner").check()
    owner.get_by_role("button", name="Save what Dad can do").click()
    expect(owner.get_by_text("Dad: owner.")).to_be_visible()
    owner.get_by_role("link", name="Leave this record").click()
    expect(heading(owner)).to_have_text("Leave Sam’s record?")
    owner.get_by_role("button", name="Leave this record").click()
    expect(owner.get_by_text("You left Sam’s record.")).to_be_visible()
    dad.reload()
    main_menu(dad).get_by_role("link", name="Sharing", exact=True).click()
    expect(dad.locator(".members").first).not_to_contain_text("Olive")
    owner.context.close()
    dad.context.close()
