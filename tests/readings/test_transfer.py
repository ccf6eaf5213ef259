import csv
import datetime
import io
import re
import zipfile

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from accounts import audit
from accounts.models import AccessEvent, CareMembership, Role
from readings import exports, imports, transfer_views
from readings.entries import KINDS
from readings.models import BleedingEpisode, PlateletReading, Treatment
from tests.clock import pinned
from tests.conftest import CANARY
from tests.factories import add_member, make_episode, make_patient, make_reading, make_treatment

pytestmark = [pytest.mark.django_db, pinned, pytest.mark.cache]


def export_url(patient, **query):
    url = reverse("export_history", args=[patient.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def import_url(patient):
    return reverse("import_history", args=[patient.pk])


def content(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


SHEET = "Date,Count\n2025-01-01,45\n"


def upload(name="history.csv", text="", data=None):
    return SimpleUploadedFile(name, data if data is not None else text.encode("utf-8"), "text/csv")


def history(cast):
    make_reading(cast.patient, count="45", note="=SUM(A1)", user=cast.owner)
    make_episode(cast.patient, user=cast.editor)
    make_treatment(cast.patient, user=cast.owner)


def all_entries(patient) -> int:
    return sum(kind.model.objects.filter(patient=patient).count() for kind in KINDS.values())


def pending_token(response) -> str:
    return response["Location"].rstrip("/").rsplit("/", 1)[1]


# --- Export -----------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["owner", "editor", "viewer"])
def test_members_download_the_history(client, cast, actor):
    history(cast)
    client.force_login(getattr(cast, actor))
    response = client.get(export_url(cast.patient, what="all"))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="itp-history-sam-all-')
    assert response["Cache-Control"] == "no-store"
    text = content(response)
    assert text.startswith("\ufeffkind,id,")
    rows = list(csv.DictReader(io.StringIO(text[1:], newline="")))
    assert [row["kind"] for row in rows] == ["count", "bleed", "treatment"]
    assert rows[0]["note"] == "'=SUM(A1)"
    assert CANARY not in text


def test_the_export_page(client, cast):
    client.force_login(cast.viewer)
    response = client.get(export_url(cast.patient))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<h1") == 1 and "<h1>Download my history</h1>" in page
    assert 'method="get"' in page
    assert "Bring in history from a file" not in page  # a viewer cannot import


def test_the_export_page_offers_import_to_those_who_may(client, cast):
    client.force_login(cast.editor)
    page = client.get(export_url(cast.patient)).content.decode()
    assert import_url(cast.patient) in page


def test_the_export_page_offers_a_spreadsheet_first_and_the_exact_file(client, cast):
    client.force_login(cast.viewer)
    page = client.get(export_url(cast.patient)).content.decode()
    choices = re.findall(r'<input type="radio" name="layout" value="(\w+)"[^>]*?( checked)?>', page)
    assert choices == [("sheets", " checked"), ("exact", ""), ("fhir", "")]
    assert "What is the file for?" in page
    assert "FHIR R4 (for clinicians&#x27; systems)" in page
    assert "To read, sort or print in a spreadsheet" in page
    assert "To bring back into ITP Tracker" in page
    assert "Detect special numbers" in page


def unzipped(response) -> dict[str, str]:
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}


@pytest.mark.parametrize("actor", ["owner", "editor", "viewer"])
def test_members_download_the_history_for_a_spreadsheet(client, cast, actor):
    history(cast)
    client.force_login(getattr(cast, actor))
    response = client.get(export_url(cast.patient, what="all", layout="sheets"))
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        'attachment; filename="itp-spreadsheet-sam-all-2026-11-10.zip"'
    )
    assert response["Cache-Control"] == "no-store"
    files = unzipped(response)
    assert list(files) == ["counts.csv", "bleeds.csv", "treatments.csv", "doses.csv"]
    (count,) = csv.DictReader(io.StringIO(files["counts.csv"], newline=""))
    assert (count["Result"], count["Note"], count["Entered by"]) == (
        "45 ×10⁹/L",
        "'=SUM(A1)",
        "Olive Owner",
    )
    assert all(CANARY not in text for text in files.values())
    event = AccessEvent.objects.get(patient=cast.patient, action=audit.EXPORTED)
    assert event.detail == (
        "counts, bleeds, treatments, doses, everything, to read in a spreadsheet"
    )


@pytest.mark.parametrize(
    ("what", "kind", "names"),
    [
        ("counts", "text/csv; charset=utf-8", None),
        ("bleeds", "text/csv; charset=utf-8", None),
        ("treatments", "application/zip", ["treatments.csv", "doses.csv"]),
    ],
)
def test_one_kind_for_a_spreadsheet_is_its_csv_file(client, cast, what, kind, names):
    history(cast)
    client.force_login(cast.owner)
    response = client.get(export_url(cast.patient, what=what, layout="sheets"))
    assert response["Content-Type"] == kind
    extension = "zip" if names else "csv"
    assert response["Content-Disposition"].endswith(f'-{what}-2026-11-10.{extension}"')
    if names:
        assert list(unzipped(response)) == names
    else:
        text = content(response)
        assert text.startswith("\ufeffDate,Time (UTC),")
        assert len(text.splitlines()) == 2


def test_a_link_without_the_choice_gets_the_exact_file(client, cast):
    """Bookmarks and links from before there was a choice name only what to download."""
    history(cast)
    client.force_login(cast.owner)
    response = client.get(export_url(cast.patient, what="all"))
    assert response["Content-Disposition"].startswith('attachment; filename="itp-history-sam-all')
    assert content(response).startswith("\ufeffkind,id,")
    exact = client.get(export_url(cast.patient, what="all", layout="exact"))
    assert content(exact) == content(client.get(export_url(cast.patient, what="all")))


def test_an_unknown_choice_shows_the_page_again(client, cast):
    client.force_login(cast.owner)
    response = client.get(export_url(cast.patient, what="all", layout="xlsx"))
    assert not isinstance(response, StreamingHttpResponse)
    assert "Choose one of the answers shown for “What is the file for?”" in (
        response.content.decode()
    )


def test_one_kind_and_a_date_range(client, cast):
    make_reading(cast.patient, count="45")
    make_episode(cast.patient)
    client.force_login(cast.owner)
    response = client.get(export_url(cast.patient, what="counts", since="2000-01-01"))
    assert "-counts-" in response["Content-Disposition"]
    text = content(response)
    assert text.splitlines()[0] == "\ufeff" + ",".join(exports.columns_for(["counts"]))
    assert len(text.splitlines()) == 2


def test_a_bad_range_shows_the_page_again(client, cast):
    client.force_login(cast.owner)
    response = client.get(
        export_url(cast.patient, what="all", since="2026-02-01", until="2026-01-01")
    )
    assert not isinstance(response, StreamingHttpResponse)
    assert "The end date is before the start date." in response.content.decode()


@pytest.fixture
def tokyo_viewer_of_a_new_york_record(client, cast):
    cast.patient.time_zone = "America/New_York"
    cast.patient.save()
    cast.viewer.time_zone = "Asia/Tokyo"
    cast.viewer.save()
    client.force_login(cast.viewer)
    return cast


def test_times_are_in_the_records_time_zone_whoever_downloads(
    client, tokyo_viewer_of_a_new_york_record
):
    cast = tokyo_viewer_of_a_new_york_record
    make_episode(cast.patient, started_at=datetime.datetime(2026, 1, 5, 8, 30, tzinfo=datetime.UTC))
    text = content(client.get(export_url(cast.patient, what="bleeds")))
    assert "2026-01-05T03:30:00-05:00" in text


def test_spreadsheet_times_are_in_the_records_time_zone_whoever_downloads(
    client, tokyo_viewer_of_a_new_york_record
):
    cast = tokyo_viewer_of_a_new_york_record
    make_episode(cast.patient, started_at=datetime.datetime(2026, 1, 5, 3, 30, tzinfo=datetime.UTC))
    text = content(client.get(export_url(cast.patient, what="bleeds", layout="sheets")))
    (row,) = csv.DictReader(io.StringIO(text[1:], newline=""))
    assert (row["Date"], row["Time (America/New York)"]) == ("2026-01-04", "22:30")


def test_the_export_streams_from_an_iterator(client, cast, monkeypatch):
    history(cast)
    calls = []
    real = QuerySet.iterator
    monkeypatch.setattr(
        QuerySet,
        "iterator",
        lambda self, chunk_size=None: calls.append(chunk_size) or real(self, chunk_size=chunk_size),
    )
    client.force_login(cast.owner)
    response = client.get(export_url(cast.patient, what="all"))
    assert response.streaming
    assert calls == []  # nothing read before the body is sent
    content(response)
    assert calls == [exports.CHUNK_SIZE] * len(KINDS)  # one query of each kind


def test_strangers_get_404_and_anonymous_visitors_the_login_page(client, cast):
    client.force_login(cast.stranger)
    assert client.get(export_url(cast.patient, what="all")).status_code == 404
    assert client.get(export_url(cast.patient)).status_code == 404
    client.logout()
    response = client.get(export_url(cast.patient, what="all"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_export_is_get_only(client, cast):
    client.force_login(cast.owner)
    assert client.post(export_url(cast.patient), {"what": "all"}).status_code == 405


# --- Import: access ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_viewers_cannot_import(client, cast, method):
    client.force_login(cast.viewer)
    data = {"file": upload(text=SHEET)} if method == "post" else None
    response = getattr(client, method)(import_url(cast.patient), data)
    assert response.status_code == 403
    assert all_entries(cast.patient) == 0


def test_strangers_get_404_and_anonymous_visitors_the_login_page_for_import(client, cast):
    client.force_login(cast.stranger)
    assert client.get(import_url(cast.patient)).status_code == 404
    client.logout()
    response = client.get(import_url(cast.patient))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_import_page(client, cast):
    client.force_login(cast.editor)
    response = client.get(import_url(cast.patient))
    page = response.content.decode()
    assert page.count("<h1") == 1 and "<h1>Bring in history from a file</h1>" in page
    assert 'enctype="multipart/form-data"' in page
    assert "Up to 5 MB" in page


@pytest.mark.parametrize(
    "name",
    ["import_history", "import_preview", "import_confirm", "import_cancel"],
)
def test_posts_need_the_csrf_token(cast, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.owner)
    args = [cast.patient.pk] if name == "import_history" else [cast.patient.pk, "sometoken"]
    response = client.post(reverse(name, args=args), {})
    assert response.status_code == 403


# --- Import: our own file, start to finish ----------------------------------------------------


def exported_file(client, cast) -> str:
    client.force_login(cast.owner)
    return content(client.get(export_url(cast.patient, what="all")))


def test_upload_preview_confirm_into_a_second_record(client, cast):
    history(cast)
    text = exported_file(client, cast)
    leo = make_patient(cast.owner, name="Leo")

    response = client.post(import_url(leo), {"file": upload(text=text)})
    assert response.status_code == 302
    preview = client.get(response["Location"])
    page = preview.content.decode()
    assert page.count("<h1") == 1
    assert "<strong>3</strong> new entries to bring in: 1 count, 1 bleed and 1 treatment" in page
    assert "The count of 45 ×10⁹/L from" in page
    assert "Bring in 3 entries" in page
    assert all_entries(leo) == 0  # nothing written yet

    confirm = reverse("import_confirm", args=[leo.pk, pending_token(response)])
    done = client.post(confirm)
    assert done["Location"] == reverse("history", args=[leo.pk]) + "?show=counts"
    assert (
        "Brought in 1 count, 1 bleed and 1 treatment."
        in client.get(done["Location"]).content.decode()
    )
    assert all_entries(leo) == 3
    reading = PlateletReading.objects.get(patient=leo)
    assert (reading.note, reading.created_by) == ("=SUM(A1)", cast.owner)
    assert all_entries(cast.patient) == 3  # the source is untouched


def test_the_same_file_twice_adds_nothing(client, cast):
    history(cast)
    text = exported_file(client, cast)
    leo = make_patient(cast.owner, name="Leo")
    for _ in range(2):
        response = client.post(import_url(leo), {"file": upload(text=text)})
        client.post(reverse("import_confirm", args=[leo.pk, pending_token(response)]))
    assert all_entries(leo) == 3
    response = client.post(import_url(leo), {"file": upload(text=text)})
    page = client.get(response["Location"]).content.decode()
    assert "<strong>3</strong> already in the history" in page
    assert "there is nothing new to bring in" in page
    assert "/confirm/" not in page


def test_rows_repeated_within_the_file_are_not_called_already_in_the_history(client, cast):
    make_reading(cast.patient, count="45", drawn_on=datetime.date(2025, 1, 31))
    client.force_login(cast.editor)
    text = "Date,Count\n2025-01-31,45\n2025-02-01,46\n2025-02-01,46\n2025-02-01,46\n"
    response = client.post(import_url(cast.patient), {"file": upload(text=text)})
    preview_url = response["Location"]
    choices = {"separator": "comma", "has_header": "on", "date_column": "0"}
    choices |= {"date_format": "YYYY-MM-DD", "count_column": "1", "unit": "e9/L"}
    client.post(preview_url, choices)
    page = client.get(preview_url).content.decode()
    assert "<strong>1</strong> new entry" in page
    assert "<strong>1</strong> already in the history, to be skipped" in page
    assert "<strong>2</strong> repeated in the file, to be skipped" in page
    done = client.post(reverse("import_confirm", args=[cast.patient.pk, pending_token(response)]))
    assert (
        "Brought in 1 count. Skipped 1 already in the history. Skipped 2 repeated in the file."
        in client.get(done["Location"]).content.decode()
    )


def test_confirming_twice_writes_once(client, cast):
    history(cast)
    text = exported_file(client, cast)
    leo = make_patient(cast.owner, name="Leo")
    response = client.post(import_url(leo), {"file": upload(text=text)})
    confirm = reverse("import_confirm", args=[leo.pk, pending_token(response)])
    client.post(confirm)
    again = client.post(confirm, follow=True)
    assert "That upload has expired or was already used" in again.content.decode()
    assert all_entries(leo) == 3


def test_cancel_forgets_the_file(client, cast):
    client.force_login(cast.owner)
    response = client.post(import_url(cast.patient), {"file": upload(text=SHEET)})
    token = pending_token(response)
    assert cache.get(f"import:{token}") is not None
    done = client.post(reverse("import_cancel", args=[cast.patient.pk, token]), follow=True)
    assert "Nothing was brought in" in done.content.decode()
    assert cache.get(f"import:{token}") is None
    assert client.post(reverse("import_confirm", args=[cast.patient.pk, token])).status_code == 302
    assert all_entries(cast.patient) == 0


def test_a_pending_file_belongs_to_one_user_and_one_record(client, cast):
    client.force_login(cast.owner)
    response = client.post(import_url(cast.patient), {"file": upload(text=SHEET)})
    token = pending_token(response)
    # Another member of the same record cannot use it, nor can its uploader for another record.
    other = Client()
    other.force_login(cast.editor)
    taken = other.get(reverse("import_preview", args=[cast.patient.pk, token]))
    assert taken["Location"] == import_url(cast.patient)
    mine = make_patient(cast.owner, name="Leo")
    moved = client.post(reverse("import_confirm", args=[mine.pk, token]))
    assert moved["Location"] == import_url(mine)
    assert cache.get(f"import:{token}") is not None  # still there for its owner
    assert all_entries(cast.patient) + all_entries(mine) == 0


def test_a_new_upload_replaces_the_one_waiting(client, cast):
    client.force_login(cast.owner)
    first = pending_token(client.post(import_url(cast.patient), {"file": upload(text=SHEET)}))
    second = pending_token(client.post(import_url(cast.patient), {"file": upload(text=SHEET)}))
    assert cache.get(f"import:{first}") is None
    assert cache.get(f"import:{second}") is not None


def test_access_revoked_between_preview_and_confirm(client, cast):
    client.force_login(cast.editor)
    response = client.post(import_url(cast.patient), {"file": upload(text=SHEET)})
    CareMembership.objects.filter(user=cast.editor, patient=cast.patient).delete()
    confirm = reverse("import_confirm", args=[cast.patient.pk, pending_token(response)])
    assert client.post(confirm).status_code == 404
    assert all_entries(cast.patient) == 0


def test_downgraded_to_viewer_between_preview_and_confirm(client, cast):
    client.force_login(cast.editor)
    response = client.post(import_url(cast.patient), {"file": upload(text=SHEET)})
    CareMembership.objects.filter(user=cast.editor, patient=cast.patient).update(role=Role.VIEWER)
    confirm = reverse("import_confirm", args=[cast.patient.pk, pending_token(response)])
    assert client.post(confirm).status_code == 403
    assert all_entries(cast.patient) == 0


def test_rows_with_problems_block_the_import(client, cast):
    history(cast)
    text = exported_file(client, cast).replace(",nosebleed,", ",sneeze,")
    leo = make_patient(cast.owner, name="Leo")
    response = client.post(import_url(leo), {"file": upload(text=text)})
    page = client.get(response["Location"]).content.decode()
    assert "<strong>1</strong> row with a problem" in page
    assert "Row 3</span> “sneeze” in bleed_kind is not one of:" in page
    # Only the explicit choice to leave the row out is offered, not "Bring in everything".
    assert 'name="skip_errors" value="yes"' in page
    assert page.count("/confirm/") == 1
    forced = client.post(
        reverse("import_confirm", args=[leo.pk, pending_token(response)]), follow=True
    )
    assert "Nothing was brought in: some rows have problems." in forced.content.decode()
    assert all_entries(leo) == 0


# --- Import: a simple sheet -------------------------------------------------------------------


def test_a_simple_sheet_asks_for_the_columns_then_previews(client, cast):
    client.force_login(cast.editor)
    text = (
        "Lab,Datum,Platelets\n"
        'City,31/01/2025,"45,000"\nCity,01/02/2025,52 000\nCity,25/02/2025,"<10,000"\n'
    )
    response = client.post(import_url(cast.patient), {"file": upload(text=text)})
    preview_url = response["Location"]
    page = client.get(preview_url).content.decode()
    assert "Which column is which" in page
    assert "new entries to bring in" not in page  # nothing previewed before the columns are chosen
    assert 'value="1" selected' in page  # the date column, guessed from its name
    assert 'value="DD/MM/YYYY" required id="id_date_format_1" checked' in page  # the only fit

    choices = {
        "separator": "comma",
        "has_header": "on",
        "date_column": "1",
        "date_format": "DD/MM/YYYY",
        "count_column": "2",
        "unit": "e9/L",
    }
    assert client.post(preview_url, choices)["Location"] == preview_url
    page = client.get(preview_url).content.decode()
    assert "<strong>3</strong> rows with a problem" in page
    assert "Row 2</span> “45,000” does not look like a count in ×10⁹/L." in page
    assert "/confirm/" not in page  # no row to bring in: nothing to choose

    choices["unit"] = "/uL"
    client.post(preview_url, choices)
    page = client.get(preview_url).content.decode()
    assert "<strong>3</strong> new entries" in page
    assert 'value="/uL" required id="id_unit_1" checked' in page  # the choice is remembered
    client.post(reverse("import_confirm", args=[cast.patient.pk, pending_token(response)]))
    readings = PlateletReading.objects.filter(patient=cast.patient).order_by("drawn_on")
    assert [(str(r.drawn_on), r.count, r.comparator == "<", r.entered_text) for r in readings] == [
        ("2025-01-31", 45, False, "45,000"),
        ("2025-02-01", 52, False, "52 000"),
        ("2025-02-25", 10, True, "<10,000"),
    ]
    assert {r.created_by for r in readings} == {cast.editor}


def test_sheet_column_choices_are_checked(client, cast):
    client.force_login(cast.owner)
    response = client.post(import_url(cast.patient), {"file": upload(text="A,B\n2025-01-01,45\n")})
    page = client.post(
        response["Location"],
        {
            "separator": "comma",
            "date_column": "0",
            "date_format": "YYYY-MM-DD",
            "count_column": "0",
            "unit": "e9/L",
        },
    ).content.decode()
    assert "Choose a different column from the date column." in page
    page = client.post(
        response["Location"],
        {
            "separator": "semicolon",
            "date_column": "0",
            "date_format": "YYYY-MM-DD",
            "count_column": "1",
            "unit": "e9/L",
        },
    ).content.decode()
    assert "We found only one column in this file." in page


# --- Import: bad files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (upload(data=b""), "This file is empty."),
        (
            upload("sheet.xlsx", data=b"PK\x03\x04" + b"\x00" * 100),
            "a spreadsheet workbook (like .xlsx or .xls)",
        ),
        (
            upload(data="Daté,Count\n".encode("cp1252")),
            "We could not read the letters in this file",
        ),
        (upload(data=b"\x89PNG\r\n\x1a\n\x00\x00"), "We could not read the letters in this file"),
        (
            upload(text="kind,id,drawn_on,count_e9_per_l\ncount,,2025-01-01,45\n"),
            "This file is missing columns",
        ),
        (upload(text="kind,id,drawn_on\n"), "This file has column names but no rows of history."),
        (upload(text="Dear doctor\nMy ITP is back.\n"), "We found only one column in this file."),
    ],
)
def test_bad_files_get_a_clear_message_and_change_nothing(client, cast, file, message):
    client.force_login(cast.owner)
    response = client.post(import_url(cast.patient), {"file": file})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert all_entries(cast.patient) == 0


def test_a_20_mb_file_is_refused(client, cast):
    client.force_login(cast.owner)
    junk = upload("junk.csv", data=b"x," * (10 * 1024 * 1024))
    response = client.post(import_url(cast.patient), {"file": junk})
    assert "This file is larger than 5 MB." in response.content.decode()
    assert all_entries(cast.patient) == 0


def test_no_file_chosen(client, cast):
    client.force_login(cast.owner)
    response = client.post(import_url(cast.patient), {})
    assert "Choose a file first." in response.content.decode()


def test_an_expired_upload(client, cast):
    client.force_login(cast.owner)
    response = client.get(reverse("import_preview", args=[cast.patient.pk, "gone"]), follow=True)
    assert "That upload has expired or was already used." in response.content.decode()


# --- Large files ------------------------------------------------------------------------------


def test_ten_thousand_rows_through_the_pages(client, cast):
    start = datetime.date(1990, 1, 1)
    text = ",".join(["kind", "id", *exports.KIND_COLUMNS["counts"], "note"]) + "\n"
    text += "".join(
        f"count,,{start + datetime.timedelta(days=i)},,{i % 300},,,{i % 300},e9/L,City,row {i}\n"
        for i in range(10_000)
    )
    client.force_login(cast.owner)
    response = client.post(import_url(cast.patient), {"file": upload(text=text)})
    page = client.get(response["Location"]).content.decode()
    assert "<strong>10,000</strong> new entries" in page
    assert page.count('class="row-number"') == transfer_views.PREVIEW_ROWS
    assert "A large file takes a few seconds." in page
    client.post(reverse("import_confirm", args=[cast.patient.pk, pending_token(response)]))
    assert PlateletReading.objects.filter(patient=cast.patient).count() == 10_000
    assert not BleedingEpisode.objects.exists() and not Treatment.objects.exists()


def test_editors_can_import_too(client, cast):
    add_member(make_patient(cast.owner, name="Leo"), cast.editor, Role.EDITOR)
    client.force_login(cast.editor)
    response = client.post(import_url(cast.patient), {"file": upload(text=SHEET)})
    assert response.status_code == 302
    assert imports.MAX_ROWS >= 10_000


def test_exports_are_in_the_access_log(client, cast):
    make_reading(cast.patient, "45")
    client.force_login(cast.viewer)
    response = client.get(reverse("export_history", args=[cast.patient.pk]), {"what": "all"})
    b"".join(response.streaming_content)
    event = AccessEvent.objects.filter(patient=cast.patient, action="exported").get()
    assert (event.actor, event.detail) == (
        cast.viewer,
        "counts, bleeds, treatments, doses, everything",
    )


def test_a_sheet_whose_count_column_is_named_by_its_loinc_code_is_guessed(client, cast):
    client.force_login(cast.editor)
    text = "Collected,Code,LOINC 777-3\n31/01/2025,CBC,45\n01/02/2025,CBC,52\n"
    response = client.post(import_url(cast.patient), {"file": upload(text=text)})
    page = client.get(response["Location"]).content.decode()
    count_select = page[page.index('name="count_column"') :].split("</select>")[0]
    assert 'value="2" selected' in count_select
