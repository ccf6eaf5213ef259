import datetime
import re
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from readings.models import BleedingEpisode, PlateletReading, Treatment
from tests.clock import pinned
from tests.factories import make_episode, make_reading, make_treatment
from tests.html_forms import first_alert

pytestmark = [pytest.mark.django_db, pinned]

HTMX = {"HTTP_HX_REQUEST": "true"}


def add_url(cast, kind):
    return reverse("entry_add", args=[cast.patient.pk, kind])


def entry_url(name, cast, kind, entry):
    return reverse(name, args=[cast.patient.pk, kind, entry.pk])


def count_data(**data):
    return {
        "count_text": "45",
        "unit": "e9/L",
        "drawn_on": timezone.localdate().isoformat(),
        **data,
    }


def bleed_data(**data):
    now = timezone.localtime()
    return {
        "kind": "nosebleed",
        "started_on": now.date().isoformat(),
        "started_time": now.strftime("%H:%M"),
        **data,
    }


@pytest.mark.parametrize("actor", ["owner", "editor"])
def test_members_who_log_add_a_count_and_are_sent_back(client, cast, actor):
    client.force_login(getattr(cast, actor))
    response = client.post(add_url(cast, "counts"), count_data(form_token=str(uuid.uuid4())))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard", args=[cast.patient.pk])
    reading = PlateletReading.objects.get()
    assert (reading.patient, reading.created_by, reading.count) == (
        cast.patient,
        getattr(cast, actor),
        Decimal(45),
    )
    page = client.get(response["Location"]).content.decode()
    assert "Saved the count of 45 ×10⁹/L" in page


def test_a_double_tapped_submit_saves_one_row(client, cast):
    client.force_login(cast.owner)
    data = count_data(form_token=str(uuid.uuid4()))
    client.post(add_url(cast, "counts"), data)
    response = client.post(add_url(cast, "counts"), data, follow=True)
    assert PlateletReading.objects.count() == 1
    assert "Already saved" in response.content.decode()


def test_a_deleted_entry_does_not_come_back_by_resubmission(client, cast):
    client.force_login(cast.owner)
    data = count_data(form_token=str(uuid.uuid4()))
    client.post(add_url(cast, "counts"), data)
    reading = PlateletReading.objects.get()
    client.post(entry_url("entry_delete", cast, "counts", reading))
    client.post(add_url(cast, "counts"), data)
    assert PlateletReading.objects.count() == 1
    assert PlateletReading.objects.live().count() == 0


def test_quick_add_with_htmx_returns_the_box_and_the_new_row(client, cast):
    client.force_login(cast.owner)
    response = client.post(
        add_url(cast, "bleeds"), bleed_data(quick="1", form_token=str(uuid.uuid4())), **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="quick-bleed"' in html
    assert "Saved the nosebleed" in html
    assert 'data-hx-swap-oob="afterbegin:#recent-entries"' in html
    assert "<h1" not in html
    assert BleedingEpisode.objects.get().created_by == cast.owner


def test_quick_add_errors_stay_in_the_box_and_keep_what_was_typed(client, cast):
    client.force_login(cast.owner)
    response = client.post(
        add_url(cast, "counts"), count_data(quick="1", count_text="45,000"), **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Did you mean 45 ×10⁹/L (45,000 per µL)?" in html
    assert 'value="45,000"' in html
    assert not PlateletReading.objects.exists()


def test_without_javascript_errors_show_on_the_full_form(client, cast):
    client.force_login(cast.owner)
    response = client.post(add_url(cast, "counts"), count_data(count_text="", quick="1"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["count_text"] == [form.what_to_enter["count_text"]]


def test_edit_a_count(client, cast):
    reading = make_reading(cast.patient, "45", user=cast.owner)
    client.force_login(cast.editor)
    url = entry_url("entry_edit", cast, "counts", reading)
    assert client.get(url).status_code == 200
    response = client.post(url, count_data(count_text="52", version="1"))
    assert response.status_code == 302
    reading.refresh_from_db()
    assert (reading.count, reading.version, reading.created_by) == (Decimal(52), 2, cast.owner)


def test_the_second_of_two_concurrent_edits_is_refused_and_shows_what_changed(client, cast):
    reading = make_reading(cast.patient, "45", user=cast.owner, lab="City lab")
    url = entry_url("entry_edit", cast, "counts", reading)
    client.force_login(cast.owner)
    assert (
        client.post(url, count_data(count_text="50", version="1", lab="City lab")).status_code
        == 302
    )
    response = client.post(url, count_data(count_text="60", version="1", lab="Home"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this count" in html
    changes = {c.label: (c.theirs, c.yours) for c in response.context["changes"]}
    assert changes["Platelet count (×10⁹/L)"] == ("50 ×10⁹/L", "60 ×10⁹/L")
    assert "Entered text" not in changes
    assert changes["Lab"] == ("City lab", "Home")
    assert 'value="60"' in html
    reading.refresh_from_db()
    assert (reading.count, reading.version) == (Decimal(50), 2)
    # Saving again after seeing the difference is a deliberate choice, and it goes through.
    again = client.post(url, count_data(count_text="60", version="2", lab="Home"))
    assert again.status_code == 302
    reading.refresh_from_db()
    assert (reading.count, reading.version) == (Decimal(60), 3)


def test_editing_an_entry_deleted_meanwhile_is_refused(client, cast):
    reading = make_reading(cast.patient, "45")
    client.force_login(cast.owner)
    url = entry_url("entry_edit", cast, "counts", reading)
    client.get(url)
    PlateletReading.objects.filter(pk=reading.pk).update(deleted_at=timezone.now())
    response = client.post(url, count_data(version="1", note="typed meanwhile"))
    page = response.content.decode()
    assert response.status_code == 409
    assert "This entry was deleted" in page and "typed meanwhile" in page  # kept for them
    assert "/history/?show=counts" in page  # where to restore it
    assert client.get(url).status_code == 410
    assert PlateletReading.objects.get().note == ""


def test_delete_then_undo(client, cast):
    episode = make_episode(cast.patient)
    client.force_login(cast.owner)
    delete_url = entry_url("entry_delete", cast, "bleeds", episode)
    assert "Delete this bleed?" in client.get(delete_url).content.decode()
    response = client.post(delete_url, follow=True)
    html = response.content.decode()
    assert "Deleted the nosebleed" in html
    restore_url = entry_url("entry_restore", cast, "bleeds", episode)
    assert restore_url in html
    assert not BleedingEpisode.objects.live().exists()
    response = client.post(restore_url, follow=True)
    assert "Restored the nosebleed" in response.content.decode()
    episode.refresh_from_db()
    assert episode.deleted_at is None


def test_undo_is_offered_once_but_restore_stays_possible_from_history(client, cast):
    treatment = make_treatment(cast.patient, medicine="ivig")
    client.force_login(cast.owner)
    client.post(entry_url("entry_delete", cast, "treatments", treatment))
    client.get(reverse("dashboard", args=[cast.patient.pk]))
    restore_url = entry_url("entry_restore", cast, "treatments", treatment)
    assert (
        restore_url not in client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    )
    history = client.get(reverse("history", args=[cast.patient.pk]) + "?show=treatments")
    assert restore_url in history.content.decode()


def test_an_old_deletion_cannot_be_restored(client, cast):
    reading = make_reading(cast.patient, "45")
    PlateletReading.objects.filter(pk=reading.pk).update(
        deleted_at=timezone.now() - timezone.timedelta(days=31)
    )
    client.force_login(cast.owner)
    assert client.post(entry_url("entry_restore", cast, "counts", reading)).status_code == 404


def test_viewer_sees_no_edit_controls(client, cast):
    make_reading(cast.patient, "45")
    client.force_login(cast.viewer)
    for url in [
        reverse("dashboard", args=[cast.patient.pk]),
        reverse("history", args=[cast.patient.pk]),
    ]:
        html = client.get(url).content.decode()
        assert "45 ×10⁹/L" in html
        for control in ["Log a count", "Log a bleed", ">Edit<", ">Delete<", "Add a treatment"]:
            assert control not in html


def write_requests(cast):
    reading = make_reading(cast.patient, "45")
    return [
        ("get", add_url(cast, "counts"), {}),
        ("post", add_url(cast, "counts"), count_data()),
        ("post", add_url(cast, "bleeds"), bleed_data()),
        ("post", add_url(cast, "treatments"), {"medicine": "ivig", "started_on": "2026-01-01"}),
        ("get", entry_url("entry_edit", cast, "counts", reading), {}),
        (
            "post",
            entry_url("entry_edit", cast, "counts", reading),
            count_data(count_text="99", version="1"),
        ),
        ("post", entry_url("entry_delete", cast, "counts", reading), {}),
        ("post", entry_url("entry_restore", cast, "counts", reading), {}),
    ]


@pytest.mark.parametrize(("actor", "status"), [("viewer", 403), ("stranger", 404)])
def test_viewers_and_strangers_cannot_write(client, cast, actor, status):
    requests = write_requests(cast)
    client.force_login(getattr(cast, actor))
    for method, url, data in requests:
        assert getattr(client, method)(url, data).status_code == status, url
    reading = PlateletReading.objects.get()
    assert (reading.count, reading.version, reading.deleted_at) == (Decimal(45), 1, None)
    assert BleedingEpisode.objects.count() == Treatment.objects.count() == 0


def test_a_stranger_cannot_reach_entries_through_their_own_record(client, cast):
    reading = make_reading(cast.patient, "45")
    client.force_login(cast.stranger)
    url = reverse("entry_edit", args=[cast.strangers_patient.pk, "counts", reading.pk])
    assert client.get(url).status_code == 404


def test_unknown_entry_kinds_are_404(client, cast):
    client.force_login(cast.owner)
    assert client.get(reverse("entry_add", args=[cast.patient.pk, "pizzas"])).status_code == 404


def test_history_shows_each_kind_newest_first_with_who_entered_it(client, cast):
    make_reading(
        cast.patient,
        "30",
        drawn_on=timezone.localdate() - timezone.timedelta(days=9),
        user=cast.editor,
    )
    make_reading(cast.patient, "60", user=cast.owner)
    make_episode(cast.patient, kind="petechiae", user=cast.owner)
    client.force_login(cast.viewer)
    url = reverse("history", args=[cast.patient.pk])
    html = client.get(url).content.decode()
    assert html.index("60 ×10⁹/L") < html.index("30 ×10⁹/L")
    assert "Entered by Eddie Editor" in html and "Entered by Olive Owner" in html
    assert "Petechiae" in client.get(url + "?show=bleeds").content.decode()


def test_history_filters_by_date_and_kind_of_bleed(client, cast):
    today = timezone.localdate()
    make_reading(cast.patient, "30", drawn_on=today - timezone.timedelta(days=40))
    make_reading(cast.patient, "60", drawn_on=today - timezone.timedelta(days=5))
    make_episode(cast.patient, kind="petechiae")
    make_episode(cast.patient, kind="gums")
    client.force_login(cast.owner)
    url = reverse("history", args=[cast.patient.pk])
    since = (today - timezone.timedelta(days=10)).isoformat()
    page = client.get(url, {"show": "counts", "since": since})
    assert [r.count for r in page.context["page"]] == [Decimal(60)]
    until = (today - timezone.timedelta(days=10)).isoformat()
    page = client.get(url, {"show": "counts", "until": until})
    assert [r.count for r in page.context["page"]] == [Decimal(30)]
    page = client.get(url, {"show": "bleeds", "bleed_kind": "gums"})
    assert [e.kind for e in page.context["page"]] == ["gums"]


def test_history_pages_and_loads_more_with_htmx(client, cast):
    start = timezone.localdate() - timezone.timedelta(days=100)
    for day in range(30):
        make_reading(cast.patient, str(day + 1), drawn_on=start + timezone.timedelta(days=day))
    client.force_login(cast.owner)
    url = reverse("history", args=[cast.patient.pk])
    first = client.get(url)
    assert len(first.context["page"]) == 25
    assert "Show older counts" in first.content.decode()
    more = client.get(url, {"page": "2"}, **HTMX)
    assert [r.count for r in more.context["page"]] == [Decimal(n) for n in (5, 4, 3, 2, 1)]
    assert "<h1" not in more.content.decode()
    assert "Show older counts" not in more.content.decode()


def history_queries(client, cast, rows: int) -> int:
    for day in range(rows):
        make_reading(
            cast.patient,
            "40",
            drawn_on=timezone.localdate() - timezone.timedelta(days=day),
            user=cast.owner,
        )
        make_episode(
            cast.patient,
            started_at=timezone.now() - timezone.timedelta(days=day),
            user=cast.editor,
            first_aid="no",
            resolution="care",
            resolved_at=timezone.now(),
            resolved_by=cast.owner,
        )
    with CaptureQueriesContext(connection) as queries:
        for show in ["counts", "bleeds"]:
            assert (
                client.get(reverse("history", args=[cast.patient.pk]), {"show": show}).status_code
                == 200
            )
        assert client.get(reverse("dashboard", args=[cast.patient.pk])).status_code == 200
    PlateletReading.objects.all().delete()
    BleedingEpisode.objects.all().delete()
    return len(queries)


def test_history_and_dashboard_queries_do_not_grow_with_rows(client, cast):
    client.force_login(cast.owner)
    # The session's first timestamps and the record shown are written once, on the first page.
    client.get(reverse("dashboard", args=[cast.patient.pk]))
    assert history_queries(client, cast, 3) == history_queries(client, cast, 40)


def test_a_bleed_that_first_aid_did_not_stop_leads_with_an_emergency_alert(client, cast):
    cast.patient.care_team_phone = "+44 20 7946 0000"
    cast.patient.save()
    client.force_login(cast.editor)
    response = client.post(
        add_url(cast, "bleeds"), bleed_data(first_aid="no", next="/elsewhere/"), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("dashboard", args=[cast.patient.pk])
    html = response.content.decode()
    main = html[html.index('<main id="main"') :]
    alert = first_alert(main)
    assert main.index('role="alert"') < main.index("<h1")
    assert "Bleeding that does not stop is an emergency" in alert
    assert "You logged a nosebleed that first aid did not stop." in alert
    assert 'href="tel:+442079460000"' in alert
    assert reverse("help") in alert
    assert html.count("Bleeding that does not stop is an emergency") == 1


def test_an_emergency_from_quick_add_reloads_the_dashboard(client, cast):
    client.force_login(cast.owner)
    response = client.post(
        add_url(cast, "bleeds"), bleed_data(first_aid="still", quick="1"), **HTMX
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("dashboard", args=[cast.patient.pk])
    page = client.get(response["HX-Redirect"]).content.decode()
    assert "You logged a nosebleed that was still going on." in page


def test_a_listed_kind_gets_contact_advice_with_the_reason(client, cast):
    client.force_login(cast.owner)
    response = client.post(add_url(cast, "bleeds"), bleed_data(kind="gums", quick="1"), **HTMX)
    html = response.content.decode()
    assert "Make an appointment if it worries you" in html
    assert "You logged bleeding gums." in html
    assert 'role="alert"' not in html


def test_a_count_below_the_clinicians_threshold_gets_the_plan_advice(client, cast):
    cast.patient.alert_threshold = 30
    cast.patient.save()
    client.force_login(cast.owner)
    response = client.post(add_url(cast, "counts"), count_data(count_text="20"), follow=True)
    html = response.content.decode()
    assert "Below the threshold your clinician set" in html
    assert "Follow the plan your clinician gave you for counts below 30 ×10⁹/L" in html
    # A caregiver who follows the patient sees the advice that still applies.
    client.force_login(cast.viewer)
    html = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    assert "What to do now" in html
    today = timezone.localdate()
    latest = f"The latest count (from {today.day} {today:%b %Y}), 20 ×10⁹/L,"
    assert f"{latest} is below the threshold the clinician set." in html


@pytest.mark.parametrize("threshold", [None, 30])
def test_a_count_at_or_above_the_threshold_or_without_one_gets_no_advice(client, cast, threshold):
    cast.patient.alert_threshold = threshold
    cast.patient.save()
    client.force_login(cast.owner)
    html = client.post(add_url(cast, "counts"), count_data(count_text="30"), follow=True)
    assert "What to do now" not in html.content.decode()
    assert "clinician set" not in html.content.decode()


def test_advice_leaves_the_dashboard_when_it_no_longer_applies(client, cast):
    cast.patient.alert_threshold = 30
    cast.patient.save()
    make_reading(cast.patient, "20", drawn_on=timezone.localdate() - timezone.timedelta(days=3))
    client.force_login(cast.owner)
    url = reverse("dashboard", args=[cast.patient.pk])
    assert "Below the threshold your clinician set" in client.get(url).content.decode()
    make_reading(cast.patient, "45")
    assert "Below the threshold your clinician set" not in client.get(url).content.decode()


def test_the_help_page_is_public_and_names_its_sources(client, db):
    html = client.get(reverse("help")).content.decode()
    assert "<h1>When to get help</h1>" in html
    assert "https://www.mayoclinic.org/" in html and "https://together.stjude.org/" in html
    assert "last reviewed on" in html
    assert "does not replace your clinician" in html


def test_an_empty_record_offers_the_log_boxes_once_and_no_empty_chart(client, cast):
    client.force_login(cast.owner)
    html = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    assert "Nothing logged yet" in html
    assert html.count(f'action="{add_url(cast, "counts")}"') == 1  # one way to log a count
    assert "Log your first count" not in html
    assert 'id="chart"' not in html and 'id="chart-panel"' in html  # drawn with the first entry
    assert "Latest count" not in html


def test_a_record_with_only_a_treatment_does_not_say_nothing_is_logged(client, cast):
    make_treatment(cast.patient)
    client.force_login(cast.owner)
    html = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    assert "No counts or bleeds logged yet." in html
    assert "Nothing logged yet" not in html
    assert 'id="chart"' not in html  # still no chart to draw


def test_the_dashboard_shows_the_numbers_and_the_chart_for_a_viewer(client, cast):
    make_reading(cast.patient, "30", drawn_on=timezone.localdate() - timezone.timedelta(days=8))
    make_reading(cast.patient, "45")
    client.force_login(cast.viewer)
    html = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    assert "Latest count" in html and "45 ×10⁹/L" in html
    assert "Up 15 ×10⁹/L" in html
    assert 'id="chart-data"' in html and "vendor/plotly-basic.min.js" in html
    assert 'aria-current="page">6 months</a>' in html
    assert "The same counts as a table" in html


def test_the_range_is_in_the_url_and_htmx_gets_only_the_chart(client, cast):
    make_reading(cast.patient, "45", drawn_on=timezone.localdate() - timezone.timedelta(days=200))
    client.force_login(cast.owner)
    url = reverse("dashboard", args=[cast.patient.pk])
    page = client.get(url, {"range": "1y"})
    assert 'aria-current="page">1 year</a>' in page.content.decode()
    assert "Show the table of 1 count</a>" in page.content.decode()
    page = client.get(url, {"range": "1y", "table": "1"})
    assert [row.count for row in page.context["table"]] == ["45 ×10⁹/L"]
    table = client.get(url, {"range": "1y", "part": "table"}, **HTMX).content.decode()
    assert table.lstrip().startswith("<table>") and "45 ×10⁹/L" in table
    part = client.get(url, {"range": "3m", "part": "chart"}, **HTMX)
    html = part.content.decode()
    assert html.lstrip().startswith('<section id="chart-panel"')
    assert "<h1" not in html and "The same counts as a table" not in html
    stats = client.get(url, {"part": "stats"}, **HTMX).content.decode()
    assert stats.lstrip().startswith('<section id="stats"') and "45 ×10⁹/L" in stats


def test_a_quick_add_tells_the_page_to_refresh_its_numbers(client, cast):
    client.force_login(cast.owner)
    response = client.post(add_url(cast, "counts"), count_data(quick="1"), **HTMX)
    assert response["HX-Trigger"] == "entrySaved"


@pytest.mark.parametrize(
    ("first", "then", "shown", "not_shown"),
    [
        ("10", "<10", "Down: now below 10 ×10⁹/L", "Down 0"),
        ("<20", "<10", "Now below 10 ×10⁹/L", "Down 10"),
        ("<10", "45", "↑</span>\n          Up\n", "Up 35"),
        ("30", "45", "Up 15 ×10⁹/L", "Now"),
    ],
)
def test_the_dashboard_change_is_never_falsely_precise(client, cast, first, then, shown, not_shown):
    client.force_login(cast.owner)
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    url = reverse("entry_add", args=[cast.patient.pk, "counts"])
    client.post(url, count_data(count_text=first, drawn_on=yesterday))
    client.post(url, count_data(count_text=then))
    page = client.get(reverse("dashboard", args=[cast.patient.pk])).content.decode()
    change = page[page.index("Change since the previous count") :][:600]
    assert shown in change
    assert not_shown not in change


def test_kept_quick_add_fields_match_a_fresh_drawing_with_a_new_token_each_time(client, cast):
    from django.core.cache import caches

    from tests.readings.test_page_cache import without_tokens

    client.force_login(cast.owner)
    url = reverse("dashboard", args=[cast.patient.pk])
    first, second = (client.get(url).content.decode() for _ in range(2))
    tokens = re.findall(r'name="form_token" value="([^"]+)"', first + second)
    assert len(tokens) == 4 and len(set(tokens)) == 4  # two boxes a view, never the same token
    caches["forms"].clear()
    assert without_tokens(client.get(url).content.decode()) == without_tokens(second)
