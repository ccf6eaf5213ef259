"""The downloads and the import's forms in Spanish: the files to read in a spreadsheet follow the
language (headings, answers, decimal comma, semicolons between values), even though they are
written while the response streams, after the request's language is put back; the exact file
(history.csv) never changes with the language; a Spanish counts.csv still comes back in as a
simple sheet; LibreOffice in Spanish reads its dates as dates and its counts as numbers."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from readings import exports, imports, sheet_dates, sheets
from readings.transfer_forms import DateOrderForm, ExportForm, SheetForm, UploadForm
from tests.clock import pinned
from tests.factories import make_episode, make_reading, make_treatment
from tests.readings.test_doses import make_dose
from tests.readings.test_sheets import (
    ALL,
    CONTROL,
    DAY,
    UTC,
    at,
    downloaded_into,
    libreoffice_reads,
    types,
    unzipped,
    values,
)

pytestmark = pinned


def spanish(chunks) -> list[dict]:
    """A Spanish file as a spreadsheet's rows: semicolons between values."""
    text = "".join(chunks)
    assert text.startswith(exports.BOM)
    return list(csv.DictReader(io.StringIO(text[1:], newline=""), delimiter=";"))


def in_spanish(patient, slug, selection=ALL) -> list[dict]:
    """The file asked for in Spanish, read after the language is put back (as it streams)."""
    with translation.override("es"):
        chunks = sheets.sheet_lines(patient, slug, selection, UTC)
    assert translation.get_language() != "es"
    return spanish(chunks)


def test_a_count_in_spanish(cast):
    make_reading(cast.patient, "45.5", DAY, cast.editor, drawn_at=at(8, 30), lab="Lab", note="n")
    make_reading(cast.patient, "10", DAY + datetime.timedelta(days=1), comparator="<")
    first, second = in_spanish(cast.patient, "counts")
    assert first == {
        "Fecha": "2026-03-02",
        "Hora (UTC)": "08:30",
        "Resultado": "45,5 ×10⁹/L",
        "Recuento de plaquetas": "45,5",
        "Unidad": "×10⁹/L",
        "Laboratorio": "Lab",
        "Nota": "n",
        "Registrado por": "Eddie Editor",
    }
    assert (second["Resultado"], second["Recuento de plaquetas"]) == ("<10 ×10⁹/L", "10")


def test_a_count_per_microlitre_in_spanish(cast):
    cast.patient.preferred_unit = "/uL"
    cast.patient.save()
    make_reading(cast.patient, "45.5", DAY)
    (row,) = in_spanish(cast.patient, "counts")
    # The result as the Spanish pages write it; the number without grouping, to sort by.
    assert (row["Resultado"], row["Recuento de plaquetas"], row["Unidad"]) == (
        "45.500 por µL",
        "45500",
        "por µL",
    )


def test_the_other_files_in_spanish(cast):
    make_episode(cast.patient, "gums", at(9, 45), care_sought=True, duration_minutes=5)
    nplate = make_treatment(cast.patient, "romiplostim", DAY)
    make_dose(nplate, "2.5", given_on=DAY, how_often="weekly", weight_kg=Decimal("28.5"))
    (bleed,) = in_spanish(cast.patient, "bleeds")
    assert list(bleed)[:5] == ["Fecha", "Hora (UTC)", "Tipo", "Gravedad", "Parte del cuerpo"]
    assert (bleed["Consultó a un médico o enfermera"], bleed["Duración (minutos)"]) == ("Sí", "5")
    (course,) = in_spanish(cast.patient, "treatments")
    assert list(course) == [
        "Medicamento o procedimiento", "Inicio", "Fin", "Dosis", "Nota", "Registrado por",
    ]  # fmt: skip
    assert course["Inicio"] == "2026-03-02"
    (dose,) = in_spanish(cast.patient, "doses")
    assert (dose["Fecha"], dose["Cantidad"], dose["Unidad"], dose["Peso (kg)"]) == (
        "2026-03-02",
        "2,5",
        "µg/kg",
        "28,5",
    )


def test_the_zip_keeps_the_language_and_its_file_names(cast):
    make_reading(cast.patient, "45", DAY)
    with translation.override("es"):
        download = sheets.download(cast.patient, ALL, UTC)
    files = unzipped(download.chunks)
    assert list(files) == ["counts.csv", "bleeds.csv", "treatments.csv", "doses.csv"]
    assert files["counts.csv"].startswith(exports.BOM + "Fecha;Hora (UTC);Resultado;")


def test_english_is_as_it_was(cast):
    make_reading(cast.patient, "45.5", DAY)
    text = "".join(sheets.sheet_lines(cast.patient, "counts", ALL, UTC))
    assert text.startswith(exports.BOM + "Date,Time (UTC),Result,Platelet count,")
    assert '"45.5 ×10⁹/L",45.5,' in text or "45.5 ×10⁹/L,45.5," in text


def test_the_exact_file_does_not_change_with_the_language(cast):
    make_reading(cast.patient, "45.5", DAY, drawn_at=at(8, 30), lab="Lab")
    make_episode(cast.patient, "gums", at(9, 45), care_sought=True)
    nplate = make_treatment(cast.patient, "romiplostim", DAY)
    make_dose(nplate, "2.5", given_on=DAY, how_often="weekly")
    english = "".join(exports.download(cast.patient, ALL, UTC).chunks)
    with translation.override("es"):
        chunks = exports.download(cast.patient, ALL, UTC).chunks
    assert "".join(chunks) == english
    assert ",45.5,,45.5,45.5,e9/L,Lab," in english


@pytest.mark.parametrize("rows", [1, 2])
def test_an_incomplete_spanish_file_still_says_so_to_the_import(cast, rows):
    with translation.override("es"):
        line = exports.incomplete(rows)
    assert line.startswith(exports.INCOMPLETE_MARK + " (ARCHIVO INCOMPLETO): ")
    assert f" {rows} fila{'s' if rows > 1 else ''} " in line
    with pytest.raises(imports.ImportFileError, match="incomplete"):
        imports.read_table(exports.BOM + "Fecha;Resultado\r\n2026-03-02;45\r\n" + line + "\r\n")


def test_the_forms_in_spanish():
    with translation.override("es"):
        assert str(ExportForm.base_fields["what"].label) == "Qué descargar"
        assert str(UploadForm.base_fields["file"].help_text).endswith("Hasta 5 MB.")
        formats = dict(SheetForm.base_fields["date_format"].choices)
        assert str(formats["DD/MM/YYYY"]) == "DD/MM/AAAA (como 31/01/2026)"  # año
        orders = dict(DateOrderForm.base_fields["date_order"].choices)
        assert str(orders[sheet_dates.DAY_FIRST]).startswith("Primero el día: 02/11/2026")
        with pytest.raises(sheet_dates.DateError, match="no es una fecha escrita con el día"):
            sheet_dates.read_day("31/02/2026", sheet_dates.DAY_FIRST)
    # The same fields, shown again in English.
    assert str(UploadForm.base_fields["file"].help_text).endswith("Up to 5 MB.")
    assert str(dict(SheetForm.base_fields["date_format"].choices)["DD/MM/YYYY"]) == (
        "DD/MM/YYYY (like 31/01/2026)"
    )


def test_a_date_written_another_way_is_named_in_spanish_letters(cast):
    options = imports.SheetOptions(",", True, 0, "DD/MM/YYYY", 1, "e9/L")
    with translation.override("es"):
        (row,) = imports.make_plan("Fecha,Recuento\nayer,45\n", cast.patient, options).rows
    assert row.error == "«ayer» no es una fecha escrita como DD/MM/AAAA (por ejemplo, 31/01/2026)."


def test_the_column_choices_in_spanish():
    text = "Fecha;Plaquetas\r\n2026-03-02;45\r\n"
    table = imports.read_table(text)
    with translation.override("es"):
        form = SheetForm(text=text, table=table)
        choices = [str(label) for _, label in form.fields["count_column"].choices]
    assert choices == ["Elija una columna", "Columna A («Fecha»)", "Columna B («Plaquetas»)"]


def test_a_spanish_lab_sheet_has_its_count_column_guessed(cast):
    table = imports.read_table("Fecha;Plaquetas (x10^9/L)\r\n2026-03-02;45\r\n")
    guess = SheetForm.first_guess(table, cast.patient)
    assert (guess["date_column"], guess["count_column"]) == (0, 1)


# --- In LibreOffice, in Spanish ---------------------------------------------------------------

# As test_sheets.AS_OPENED, with a semicolon (59) between values and Spanish (Spain) (3082) as
# the language LibreOffice reads numbers and dates in.
AS_OPENED_IN_SPANISH = "59,34,76,1,,3082,false,false,false,false,false,false,true"


@pytest.fixture(scope="module")
def opened_in_spanish(django_db_setup, django_db_blocker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hojas")
    names = downloaded_into(folder, django_db_blocker, "es", control_heading="Nota")
    return libreoffice_reads(folder, names, AS_OPENED_IN_SPANISH)


@pytest.mark.django_db
def test_libreoffice_in_spanish_reads_dates_as_dates_and_counts_as_numbers(opened_in_spanish):
    counts = opened_in_spanish["counts.csv"]
    assert types(counts, "Fecha") == {"date"}
    assert values(counts, "Fecha") == ["2026-03-02", "2026-03-02", "2026-03-09", "2026-03-10"]
    assert types(counts, "Recuento de plaquetas") == {"float"}
    assert values(counts, "Recuento de plaquetas") == ["10", "45", "45.5", "0"]
    assert types(counts, "Resultado") == {"string"}
    assert values(counts, "Resultado")[:3] == ["<10 ×10⁹/L", "45 ×10⁹/L", "45,5 ×10⁹/L"]
    doses = opened_in_spanish["doses.csv"]
    assert [row["Cantidad"].type for row in doses] == ["float", "float", None]
    assert values(doses, "Cantidad")[:2] == ["2.5", "3"]
    assert values(doses, "Peso (kg)")[:2] == ["28.5", "28"]
    assert types(opened_in_spanish["treatments.csv"], "Inicio") == {"date"}
    assert types(opened_in_spanish["bleeds.csv"], "Fecha") == {"date"}
    (control,) = opened_in_spanish[CONTROL]
    assert control["Nota"].formula
    for name, rows in opened_in_spanish.items():
        if name != CONTROL:
            assert not any(cell.formula for row in rows for cell in row.values()), name


# --- Through the download page ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_spanish_account_downloads_its_sheet_in_spanish(client, cast):
    """The file is written while the response streams, after the middleware has put the
    language back: it is still in the account's language."""
    cast.owner.language = "es"
    cast.owner.save()
    make_reading(cast.patient, "45.5", DAY)
    client.force_login(cast.owner)
    url = reverse("export_history", args=[cast.patient.pk])
    response = client.get(url, {"what": "counts", "layout": "sheets"})
    (row,) = spanish(b"".join(response.streaming_content).decode("utf-8"))
    assert (row["Fecha"], row["Resultado"], row["Recuento de plaquetas"]) == (
        "2026-03-02",
        "45,5 ×10⁹/L",
        "45,5",
    )
    exact = client.get(url, {"what": "counts", "layout": "exact"})
    text = b"".join(exact.streaming_content).decode("utf-8")
    assert text.startswith(exports.BOM + "kind,id,drawn_on,")
    assert ",45.5," in text
