"""Kept pages are never out of date, never shown to the wrong person, and go with the record.

Each test first opens the pages, so that they are kept, then changes the record the way a
user would and opens them again.
"""

import datetime
import re
import uuid

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Patient, Role
from readings import imports, page_cache, takeout
from readings.models import PlateletReading
from tests.cache import clear_own_keys
from tests.clock import pinned
from tests.factories import (
    add_member,
    make_episode,
    make_patient,
    make_reading,
    make_treatment,
    make_user,
)
from tests.html_forms import bleed_fields
from tests.readings.test_imports import export_text
from tests.readings.test_views import count_data, entry_url

pytestmark = [pinned, pytest.mark.cache]


def dashboard(client, patient, **params) -> str:
    return client.get(reverse("dashboard", args=[patient.pk]), params).content.decode()


def history(client, patient, **params) -> str:
    return client.get(reverse("history", args=[patient.pk]), params).content.decode()


def test_a_second_view_reads_no_entries(client, cast):
    make_reading(cast.patient, "45")
    client.force_login(cast.owner)
    dashboard(client, cast.patient)
    with CaptureQueriesContext(connection) as queries:
        page = dashboard(client, cast.patient)
    assert '<section id="stats"' in page and "45 ×10⁹/L" in page  # HTML, not escaped text
    assert not [q["sql"] for q in queries if "readings_" in q["sql"]]


def test_advice_on_a_kept_page_follows_the_clock(client, cast, time_machine):
    make_reading(cast.patient, "45")
    now = timezone.now()
    time_machine.move_to(now - datetime.timedelta(hours=47))  # logged as it happened
    make_episode(cast.patient, first_aid="no")
    time_machine.move_to(now)
    client.force_login(cast.owner)
    assert "Bleeding that does not stop is an emergency" in dashboard(client, cast.patient)
    time_machine.shift(datetime.timedelta(hours=2))
    assert "Bleeding that does not stop is an emergency" not in dashboard(client, cast.patient)


def test_an_added_count_shows_on_pages_kept_before(client, cast):
    make_reading(cast.patient, "45", drawn_on=timezone.localdate() - datetime.timedelta(days=3))
    client.force_login(cast.owner)
    assert "45 ×10⁹/L" in dashboard(client, cast.patient)
    assert "1 count," in history(client, cast.patient)
    client.post(reverse("entry_add", args=[cast.patient.pk, "counts"]), count_data(count_text="88"))
    page = dashboard(client, cast.patient)
    assert '<strong class="big">88 ×10⁹/L</strong>' in page
    assert "Up 43 ×10⁹/L" in page
    assert "2 counts," in history(client, cast.patient)


def test_an_edit_a_deletion_and_a_restore_show_on_pages_kept_before(client, cast):
    reading = make_reading(cast.patient, "45", user=cast.owner)
    client.force_login(cast.owner)
    assert "45 ×10⁹/L" in history(client, cast.patient)
    data = count_data(count_text="61", version=reading.version)
    client.post(entry_url("entry_edit", cast, "counts", reading), data)
    assert "61 ×10⁹/L" in history(client, cast.patient)
    assert "61 ×10⁹/L" in dashboard(client, cast.patient)
    client.post(entry_url("entry_delete", cast, "counts", reading))
    assert "0 counts," in history(client, cast.patient)
    assert "61 ×10⁹/L" not in dashboard(client, cast.patient)
    client.post(entry_url("entry_restore", cast, "counts", reading))
    assert "1 count," in history(client, cast.patient)


def test_an_import_shows_on_pages_kept_before(client, cast):
    source = make_patient(cast.owner, name="Old record")
    make_reading(source, "77")
    client.force_login(cast.owner)
    assert "0 counts," in history(client, cast.patient)
    imports.import_file(export_text(source), cast.patient, cast.owner)
    assert "1 count," in history(client, cast.patient)
    assert "77 ×10⁹/L" in dashboard(client, cast.patient)


def test_new_record_details_show_on_pages_kept_before(client, cast):
    make_reading(cast.patient, "45")
    client.force_login(cast.owner)
    assert "45 ×10⁹/L" in dashboard(client, cast.patient)
    client.post(
        reverse("patient_settings", args=[cast.patient.pk]),
        {"name": "Sam", "preferred_unit": "/uL"},
    )
    page = dashboard(client, cast.patient)
    assert "45,000 per µL" in page and "45 ×10⁹/L" not in page


# --- Every write path leaves no kept page behind ------------------------------------------------


def quick_count(client, cast):
    url = reverse("entry_add", args=[cast.patient.pk, "counts"])
    client.post(url, count_data(count_text="23", quick="1"), HTTP_HX_REQUEST="true")


def full_bleed(client, cast):
    data = bleed_fields(kind="nosebleed", first_aid="no", form_token=str(uuid.uuid4()))
    client.post(reverse("entry_add", args=[cast.patient.pk, "bleeds"]), data)


def treatment(client, cast):
    data = {"medicine": "ivig", "started_on": timezone.localdate().isoformat()}
    client.post(reverse("entry_add", args=[cast.patient.pk, "treatments"]), data)


def edit_count(client, cast):
    reading = PlateletReading.objects.get(patient=cast.patient)
    data = count_data(count_text="61", version=reading.version)
    client.post(entry_url("entry_edit", cast, "counts", reading), data)


def delete_count(client, cast):
    reading = PlateletReading.objects.get(patient=cast.patient)
    client.post(entry_url("entry_delete", cast, "counts", reading))


def keep(client, cast):
    dashboard(client, cast.patient)
    history(client, cast.patient)


def restore_count(client, cast):
    delete_count(client, cast)
    keep(client, cast)  # kept as deleted
    reading = PlateletReading.objects.get(patient=cast.patient)
    client.post(entry_url("entry_restore", cast, "counts", reading))


def end_emergency(client, cast):
    episode = make_episode(cast.patient, first_aid="no", user=cast.owner)
    keep(client, cast)  # kept with the emergency
    url = reverse("episode_resolve", args=[cast.patient.pk, episode.pk])
    client.post(url, {"resolution": "stopped", "version": episode.version})


def import_file(client, cast):
    source = make_patient(cast.owner, name="Old record")
    make_reading(source, "77", drawn_on=timezone.localdate())
    imports.import_file(export_text(source), cast.patient, cast.owner)


def record_details(client, cast):
    data = {"name": "Sam", "preferred_unit": "/uL", "time_zone": "UTC"}
    client.post(reverse("patient_settings", args=[cast.patient.pk]), data)


def new_time_zone(client, cast):
    make_episode(cast.patient, user=cast.owner)
    keep(client, cast)
    data = {"name": "Sam", "preferred_unit": "e9/L", "time_zone": "Asia/Tokyo"}
    data["logged_times"] = "moment"
    client.post(reverse("patient_settings", args=[cast.patient.pk]), data)


def authors_name(client, cast):
    client.post(reverse("account"), {"display_name": "Olly", "time_zone": "UTC"})  # the owner


def authors_account_deleted(client, cast):
    make_reading(cast.patient, "51", user=cast.editor)
    keep(client, cast)  # kept, naming the editor
    takeout.delete_account_of(cast.editor)


WRITES = [
    quick_count,
    full_bleed,
    treatment,
    edit_count,
    delete_count,
    restore_count,
    end_emergency,
    import_file,
    record_details,
    new_time_zone,
    authors_name,
    authors_account_deleted,
]


def fresh(client, cast, view) -> str:
    """The page drawn now, with nothing kept."""
    clear_own_keys(caches["pages"])
    return view(client, cast.patient)


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__)
@pytest.mark.parametrize("view", [dashboard, history], ids=["dashboard", "history"])
def test_every_write_path_leaves_no_kept_page_behind(client, cast, write, view):
    make_reading(cast.patient, "45", user=cast.owner, drawn_on=timezone.localdate())
    client.force_login(cast.owner)
    view(client, cast.patient)  # kept
    write(client, cast)
    view(client, cast.patient)  # the message of the write is shown once, here
    kept = view(client, cast.patient)
    assert without_tokens(kept) == without_tokens(fresh(client, cast, view))


def without_tokens(html: str) -> str:
    """The page without what is new on every view: CSRF and one-time form tokens."""
    return re.sub(
        r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value="|name="form_token" value=")[^"]+',
        r"\1",
        html,
    )


def test_a_new_name_shows_on_the_entries_of_records_kept_before(client, cast):
    make_reading(cast.patient, "45", user=cast.editor)
    client.force_login(cast.owner)
    assert "Entered by Eddie Editor" in history(client, cast.patient)
    client.force_login(cast.editor)
    client.post(reverse("account"), {"display_name": "Ed", "time_zone": "Europe/London"})
    client.force_login(cast.owner)
    assert "Entered by Ed<" in history(client, cast.patient)
    assert "Entered by Ed<" in dashboard(client, cast.patient)


@pytest.mark.parametrize("first, then", [("owner", "viewer"), ("viewer", "owner")])
def test_kept_pages_are_per_role(client, cast, first, then):
    make_reading(cast.patient, "45")
    client.force_login(getattr(cast, first))
    dashboard(client, cast.patient)
    history(client, cast.patient)
    client.force_login(getattr(cast, then))
    pages = [dashboard(client, cast.patient), history(client, cast.patient)]
    assert [">Edit<" in page for page in pages] == [then == "owner"] * 2


def test_kept_pages_are_per_viewer_time_zone(client, cast):
    moment = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    make_episode(cast.patient, started_at=moment)  # the record lives in UTC
    cast.viewer.time_zone = "Asia/Tokyo"
    cast.viewer.save()
    client.force_login(cast.owner)
    owners = history(client, cast.patient, show="bleeds")
    assert "Started 1 Mar 2026 at 23:30</p>" in owners or "Started 1 Mar 2026 at 23:30 ·" in owners
    client.force_login(cast.viewer)
    viewers = history(client, cast.patient, show="bleeds")
    assert "Started 1 Mar 2026 at 23:30 (08:30 on 2 Mar your time)" in viewers
    assert "your time" not in owners


def test_kept_dashboards_are_per_day(client, cast, time_machine):
    make_reading(cast.patient, "45")
    make_episode(cast.patient, started_at=timezone.now() - datetime.timedelta(days=1))
    client.force_login(cast.owner)
    assert "1 day<" in dashboard(client, cast.patient)
    time_machine.shift(datetime.timedelta(hours=2))  # past midnight: the next day
    assert "2 days<" in dashboard(client, cast.patient)


def kept_keys(patient_id) -> list[str]:
    """The keys of a record's pieces in the pages cache's own store, whatever their version."""
    cache = caches["pages"]
    pattern = cache.make_key(f"pages:{patient_id}:", version="")
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client()
        prefix, _, rest = pattern.partition("::")
        return [key.decode() for key in client.scan_iter(match=f"{prefix}:*:{rest}*")]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {cache._table}")  # noqa: S608
        return [key for (key,) in cursor.fetchall() if f":pages:{patient_id}:" in key]


def test_deleting_the_record_deletes_its_kept_pages_of_every_version(
    client, db, django_capture_on_commit_callbacks
):
    leaver = make_user("leaver@example.com")
    solo = make_patient(leaver, name="Solo")
    other = make_patient(leaver, name="Shared")
    add_member(other, make_user("stays@example.com"), Role.OWNER)
    make_reading(solo, "45")
    client.force_login(leaver)
    dashboard(client, solo)
    make_reading(solo, "46")  # a new version: the old pieces stay in the store until then
    dashboard(client, solo)
    history(client, solo)
    dashboard(client, other)
    assert len(kept_keys(solo.pk)) == 3 and len(kept_keys(other.pk)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        takeout.delete_account_of(leaver)
    assert not Patient.objects.filter(pk=solo.pk).exists()
    assert kept_keys(solo.pk) == []
    assert len(kept_keys(other.pk)) == 1  # another member's record keeps its pieces


def test_a_new_version_builds_anew(cast):
    built = []

    def build():
        built.append(1)
        return {"html": "x"}

    page_cache.get_or_build(cast.patient, ["a"], build)
    page_cache.get_or_build(cast.patient, ["a"], build)
    assert len(built) == 1
    make_reading(cast.patient, "45")
    cast.patient.refresh_from_db()
    page_cache.get_or_build(cast.patient, ["a"], build)
    assert len(built) == 2


def test_a_new_release_has_new_keys(tmp_path):
    (tmp_path / "templates").mkdir()
    template = tmp_path / "templates" / "page.html"
    template.write_text("<h1>Before</h1>")
    lock = tmp_path / "package-lock.json"
    lock.write_text('{"version": "4.1.1"}')
    code = ["templates", "package-lock.json"]
    before = page_cache.code_fingerprint(tmp_path, code)
    assert page_cache.code_fingerprint(tmp_path, code) == before
    template.write_text("<h1>After</h1>")
    after = page_cache.code_fingerprint(tmp_path, code)
    assert after != before
    lock.write_text('{"version": "4.2.0"}')
    assert page_cache.code_fingerprint(tmp_path, code) not in (before, after)


def log_dose(client, cast, course):
    data = {"treatment": course.pk, "given_on": timezone.localdate().isoformat(), "amount": "3"}
    data |= {"unit": "mg", "route": "oral", "form_token": str(uuid.uuid4())}
    client.post(reverse("entry_add", args=[cast.patient.pk, "doses"]), data)


def delete_dose(client, cast, course):
    dose = course.doses.live().get()
    client.post(entry_url("entry_delete", cast, "doses", dose))


@pytest.mark.parametrize("write", [log_dose, delete_dose], ids=lambda write: write.__name__)
@pytest.mark.parametrize("show", ["treatments", "doses"])
def test_a_dose_leaves_no_kept_page_behind(client, cast, write, show):
    make_reading(cast.patient, "45", user=cast.owner, drawn_on=timezone.localdate())
    course = make_treatment(cast.patient, medicine="other", other_name="Trial", user=cast.owner)
    client.force_login(cast.owner)
    if write is delete_dose:
        log_dose(client, cast, course)
    views = [dashboard, lambda client, patient: history(client, patient, show=show)]
    for view in views:
        view(client, cast.patient)  # kept
    write(client, cast, course)
    for view in views:
        view(client, cast.patient)  # the message of the write is shown once, here
        kept = view(client, cast.patient)
        assert without_tokens(kept) == without_tokens(fresh(client, cast, view))
    assert ("3 mg" in dashboard(client, cast.patient)) is (write is log_dose)
