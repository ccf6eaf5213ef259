import datetime
import re
import zipfile

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from readings.models import BleedingEpisode, PlateletReading, Treatment
from tests.e2e.conftest import PHONE, log_in
from tests.factories import (
    make_episode,
    make_patient,
    make_reading,
    make_treatment,
    make_user,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NOTE = '=1+1, "quoted"\nand a second line 🩸'


@pytest.fixture
def viewport():
    return PHONE


@pytest.fixture
def records(live_server, page):
    """Jo keeps Mia's record (with some history) and a new, empty one for Leo."""
    jo = make_user("parent@example.com", "Jo")
    mia = make_patient(jo, name="Mia")
    leo = make_patient(jo, name="Leo")
    today = timezone.localdate()
    make_reading(mia, count="45", drawn_on=today - datetime.timedelta(days=3), user=jo, note=NOTE)
    make_reading(mia, count="0", drawn_on=today - datetime.timedelta(days=2), user=jo)
    make_episode(mia, user=jo, severity="mild")
    make_treatment(mia, medicine="ivig", started_on=today - datetime.timedelta(days=5), user=jo)
    log_in(page, live_server, "parent@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("’s dashboard$"))
    return mia, leo


def test_download_a_history_and_bring_it_into_another_record(
    live_server, page, records, audit, tmp_path
):
    mia, leo = records

    page.goto(f"{live_server.url}/p/{mia.pk}/export/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Download my history")
    audit()
    # First on offer: a file for each kind, to read in a spreadsheet.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my history").click()
    sheets = download_info.value
    assert sheets.suggested_filename.startswith("itp-spreadsheet-mia-all-")
    assert sheets.suggested_filename.endswith(".zip")
    sheets.save_as(tmp_path / "sheets.zip")
    with zipfile.ZipFile(tmp_path / "sheets.zip") as archive:
        assert archive.namelist() == ["counts.csv", "bleeds.csv", "treatments.csv", "doses.csv"]
        counts = archive.read("counts.csv").decode("utf-8-sig")
    assert counts.startswith("Date,Time (UTC),Result,Platelet count,")
    # The file to bring back in.
    page.get_by_label("To bring back into ITP Tracker").check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my history").click()
    download = download_info.value
    assert download.suggested_filename.startswith("itp-history-mia-all-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = saved.read_bytes().decode("utf-8")
    assert text.startswith("\ufeffkind,id,")
    assert "'=1+1" in text
    audit()  # the page is still there, unharmed

    page.goto(f"{live_server.url}/p/{leo.pk}/import/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bring in history from a file")
    audit()
    page.get_by_label("Your file").set_input_files(saved)
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check before bringing in")
    expect(
        page.get_by_text("4 new entries to bring in: 2 counts, 1 bleed and 1 treatment")
    ).to_be_visible()
    expect(page.get_by_text("0 rows with a problem")).to_be_visible()
    audit()
    page.get_by_role("button", name="Bring in 4 entries").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Leo’s history")
    expect(page.get_by_text("Brought in 2 counts, 1 bleed and 1 treatment.")).to_be_visible()
    expect(page.get_by_text("45 ×10⁹/L")).to_be_visible()
    expect(page.get_by_text("0 ×10⁹/L")).to_be_visible()
    audit()

    copied = PlateletReading.objects.get(patient=leo, count=45)
    assert copied.note == NOTE
    assert BleedingEpisode.objects.filter(patient=leo, severity="mild").count() == 1
    assert Treatment.objects.filter(patient=leo, medicine="ivig").count() == 1
    assert PlateletReading.objects.filter(patient=mia).count() == 2  # the source is untouched

    # The same file again: everything is already there.
    page.goto(f"{live_server.url}/p/{leo.pk}/import/")
    page.get_by_label("Your file").set_input_files(saved)
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("4 already in the history, to be skipped")).to_be_visible()
    expect(page.get_by_text("there is nothing new to bring in")).to_be_visible()
    audit()
    page.get_by_role("button", name="Choose another file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bring in history from a file")
    expect(page.get_by_text("Cancelled. Nothing was brought in")).to_be_visible()


def test_a_lab_sheet_with_a_bad_file_first(live_server, page, records, audit, tmp_path):
    _, leo = records
    workbook = tmp_path / "results.xlsx"
    workbook.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    sheet = tmp_path / "lab.csv"
    sheet.write_text("Date;Platelets\n31.01.2025;45\n01.02.2025;52\n", encoding="utf-8")

    page.goto(f"{live_server.url}/p/{leo.pk}/import/")
    page.get_by_label("Your file").set_input_files(workbook)
    page.get_by_role("button", name="Check the file").click()
    expect(
        page.get_by_text("a spreadsheet workbook (like .xlsx or .xls), not a CSV file")
    ).to_be_visible()
    audit()

    page.get_by_label("Your file").set_input_files(sheet)
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Which column is which")).to_be_visible()
    expect(page.get_by_label("Semicolon ( ; )")).to_be_checked()
    expect(page.get_by_label("DD.MM.YYYY (like 31.01.2026)")).to_be_checked()
    audit()
    page.get_by_role("button", name="Show what will be brought in").click()
    expect(page.get_by_text("2 new entries to bring in: 2 counts")).to_be_visible()
    audit()
    page.get_by_role("button", name="Bring in 2 entries").click()
    expect(page.get_by_text("Brought in 2 counts.")).to_be_visible()
    assert sorted(PlateletReading.objects.filter(patient=leo).values_list("count", flat=True)) == [
        45,
        52,
    ]


def test_fhir_out_of_one_record_and_into_another(live_server, page, records, audit, tmp_path):
    mia, leo = records
    page.goto(f"{live_server.url}/p/{mia.pk}/export/")
    page.get_by_label("FHIR R4 (for clinicians' systems)").check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my history").click()
    bundle = download_info.value
    assert bundle.suggested_filename.startswith("itp-fhir-mia-all-")
    assert bundle.suggested_filename.endswith(".fhir.json")
    bundle.save_as(tmp_path / "mia.fhir.json")

    page.goto(f"{live_server.url}/p/{leo.pk}/import/")
    page.get_by_label("Your file").set_input_files(tmp_path / "mia.fhir.json")
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("2 new entries to bring in: 2 counts")).to_be_visible()
    expect(
        page.get_by_text(
            "From a FHIR file, only platelet counts are brought in. Skipped: 1 Patient, "
            "1 Condition, 1 other Observation and 1 MedicationStatement."
        )
    ).to_be_visible()
    audit()
    page.get_by_role("button", name="Bring in 2 entries").click()
    expect(page.get_by_text("Brought in 2 counts.")).to_be_visible()
    assert PlateletReading.objects.filter(patient=leo).count() == 2
