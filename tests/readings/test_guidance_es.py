"""When to get help, in Spanish: every advice is written in Spanish and cites the Spanish sources
its Spanish was written from (docs/sources/*-es.md), the help page in Spanish shows them, and
English stays as it was.

The Spanish is ours, written from the Spanish sources: no run of eight words of a kept
Spanish excerpt is in it. Where no Spanish page we could read supports a claim, the Spanish
keeps citing the English source of it (readings/guidance.py says where, and why).
"""

import itertools
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from accounts.models import Patient, User
from readings import guidance
from readings.guidance import (
    SOURCES,
    SOURCES_ES,
    Advice,
    Level,
    Source,
    advice_for_episode,
    advice_for_patient,
    advice_for_reading,
    bleed_level,
    cited_sources,
    help_page_context,
    listed_sources,
)
from readings.models import BleedingEpisode, BleedingKind, FirstAid, PlateletReading, Severity
from readings.units import Unit

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SOURCES_DIR = Path(settings.BASE_DIR) / "docs" / "sources"


def patient(threshold=None, pregnant=False) -> Patient:
    return Patient(
        name="Sam",
        alert_threshold=threshold,
        pregnant=pregnant,
        preferred_unit=Unit.E9_PER_L.value,
    )


def reading(count) -> PlateletReading:
    return PlateletReading(
        drawn_on=NOW.date(),
        count=Decimal(count),
        comparator="",
        entered_text=str(count),
        entered_unit=Unit.E9_PER_L.value,
    )


def episode(kind=BleedingKind.OTHER, first_aid=FirstAid.STOPPED, severity=Severity.MILD, signs=()):
    return BleedingEpisode(
        started_at=NOW,
        danger_logged_at=NOW,
        kind=kind,
        first_aid=first_aid,
        severity=severity,
        warning_signs=list(signs),
    )


def every_advice() -> list[Advice]:
    """The help page's advice, every cell of bleed_level's rules, the count advice."""
    found = [item.advice for section in help_page_context()["sections"] for item in section.items]
    for kind, severity, first_aid, signs in itertools.product(
        BleedingKind.values, ["", *Severity.values], ["", *FirstAid.values], [(), ("seizure",)]
    ):
        entry = episode(kind, first_aid, severity, signs)
        found.append(bleed_level(entry).advice)
        found += advice_for_episode(entry, patient(pregnant=True))
    for count in (5, 15, 80):
        found += advice_for_reading(reading(count), patient(pregnant=True))
        found += advice_for_reading(reading(count), patient(threshold=30, pregnant=True))
    found.append(guidance.AFTER_EMERGENCY)
    return list(dict.fromkeys(found))


def in_english(advice: Advice) -> tuple[str, str]:
    with translation.override("en-gb"):
        return advice.title, advice.text


# --- Every advice, in Spanish ---------------------------------------------------------------------


def test_every_advice_has_its_own_spanish_title_and_text_and_cites_a_source():
    with translation.override("es"):
        advice = every_advice()
        spanish = [(a.title, a.text, a.sources) for a in advice]
    assert len(advice) >= 14
    for item, (title, text, sources) in zip(advice, spanish, strict=True):
        english_title, english_text = in_english(item)
        assert title and text
        assert title != english_title, title
        assert text != english_text, title
        assert sources, title
        assert all(isinstance(source, Source) for source in sources)


def test_the_spanish_rests_on_spanish_sources_except_where_none_could_be_read():
    with translation.override("es"):
        without_spanish = {
            a.title for a in every_advice() if not any(s.language == "es" for s in a.sources)
        }
        pregnancy = guidance.PREGNANCY.title
    # Pregnancy only: no Spanish patient page we could read speaks of it (guidance.PREGNANCY).
    assert without_spanish == {pregnancy}


def test_the_spanish_sources_follow_the_language_and_english_is_unchanged():
    advice = guidance.BLEEDING_EMERGENCY
    with translation.override("es"):
        assert advice.sources == (guidance.MAYO_ES,)
    with translation.override("en-gb"):
        assert advice.sources == (guidance.MAYO,)
    assert cited_sources(advice, "es") == (guidance.MAYO_ES,)
    assert cited_sources(advice, "es-mx") == (guidance.MAYO_ES,)
    assert cited_sources(advice, "en-gb") == (guidance.MAYO,)
    assert all(source.language == "en" for source in SOURCES)
    assert all(source.language == "es" for source in SOURCES_ES)
    assert listed_sources("en-gb") == SOURCES


def test_every_source_cited_in_spanish_is_kept_with_its_address_a_date_and_an_excerpt():
    with translation.override("es"):
        cited = {source for advice in every_advice() for source in advice.sources}
        listed = set(listed_sources())
    assert set(SOURCES_ES) <= cited == listed
    kept = {path.name: path.read_text() for path in SOURCES_DIR.glob("*.md")}
    for source in cited:
        files = {name: text for name, text in kept.items() if source.url in text}
        assert files, f"no excerpt in docs/sources/ for {source.url}"
        read = f"Read: {source.reviewed.day} {source.reviewed:%b %Y}"
        assert any(read in text and "\n> " in text for text in files.values()), source.name
        if source.language == "es":
            assert any(name.endswith("-es.md") for name in files), source.name


def test_the_sources_readme_names_every_spanish_file():
    readme = (SOURCES_DIR / "README.md").read_text()
    for path in SOURCES_DIR.glob("*-es.md"):
        assert f"`{path.name}`" in readme


def test_the_spanish_keeps_the_numbers_written_as_spanish_writes_them():
    with translation.override("es"):
        platelets = guidance.PLATELETS.text
        band = guidance.ITP_DEFINITION.text
        very_low = guidance.VERY_LOW_COUNT.text
        threshold = guidance.threshold_advice(30, Unit.E9_PER_L).text
        from readings.units import format_count

        assert format_count(Decimal(450), Unit.E9_PER_L) in platelets
        assert format_count(Decimal(100), Unit.PER_UL) in band
        assert format_count(Decimal(20), Unit.E9_PER_L) in very_low
        assert format_count(Decimal(30), Unit.E9_PER_L) in threshold
    assert "recuento normal" in platelets
    assert "no un umbral de tratamiento" in band


def test_the_spanish_help_texts_and_disclaimer():
    with translation.override("es"):
        assert "no sustituye a su médico" in guidance.DISCLAIMER
        assert "ITP Tracker nunca" in guidance.OWN_THRESHOLD_NOTE
        assert "Petequias" in " ".join(guidance.SYMPTOM_LIST)
        labels = [level.label for level in Level]
    assert labels == [
        "Emergencia: pida ayuda ahora",
        "Hable hoy con su equipo médico",
        "Pida una cita",
        "Para tener en cuenta",
    ]
    assert "does not replace your clinician" in guidance.DISCLAIMER


# --- Reasons, in Spanish --------------------------------------------------------------------------


def test_the_reasons_are_whole_spanish_sentences():
    with translation.override("es"):
        nosebleed = advice_for_episode(
            episode(BleedingKind.NOSEBLEED, FirstAid.NOT_STOPPED), patient(pregnant=True)
        )
        count = advice_for_reading(reading(15), patient())
        threshold = advice_for_reading(reading(15), patient(threshold=30, pregnant=True))
    assert [a.reason for a in nosebleed] == [
        "Usted registró un sangrado por la nariz, y los primeros auxilios no detuvieron el "
        "sangrado.",
        "Sam figura como embarazada y se registró un sangrado.",
    ]
    assert count[0].reason.startswith("Este recuento, 15 ×10⁹/L, está por debajo de 20 ×10⁹/L")
    assert threshold[0].reason == (
        "Este recuento, 15 ×10⁹/L, está por debajo del umbral que fijó el médico."
    )
    assert threshold[1].reason == (
        "Sam figura como embarazada. Este recuento, 15 ×10⁹/L, está por debajo de 30 ×10⁹/L, "
        "el umbral que fijó el médico."
    )


@pytest.mark.django_db
def test_the_dashboard_reasons_name_who_logged_and_when_in_spanish():
    author = User.objects.create_user(email="ana@example.com", password="x" * 12)
    author.display_name = "Ana"
    viewer = User(pk=author.pk + 1000)
    entry = episode(BleedingKind.HEAD_INJURY, severity=Severity.SEVERE)
    entry.created_by_id, entry.created_by = author.pk, author
    with translation.override("es"):
        others = advice_for_patient(patient(), [], [entry], NOW + timedelta(hours=1), viewer)
        own = advice_for_patient(patient(), [], [entry], NOW + timedelta(hours=1), author)
    assert others[0].reason == (
        "En las últimas 48 horas, Ana registró un golpe en la cabeza (gravedad: grave)."
    )
    assert own[0].reason == (
        "En las últimas 48 horas, usted registró un golpe en la cabeza (gravedad: grave)."
    )
    assert others[0].level is Level.EMERGENCY


def test_spanish_advice_carried_to_the_next_page_stays_spanish():
    with translation.override("es"):
        found = advice_for_episode(
            episode(BleedingKind.NOSEBLEED, FirstAid.STILL_BLEEDING), patient()
        )
        data = json.loads(json.dumps(guidance.to_session(found)))
        back = guidance.from_session(data)
        assert [(a.title, a.text, a.reason) for a in back] == [
            (a.title, a.text, a.reason) for a in found
        ]
        assert back[0].sources == (guidance.MAYO_ES,)
    assert back[0].title == "Un sangrado que no para es una emergencia"


# --- Our own Spanish ------------------------------------------------------------------------------

RUN = 8  # words


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def runs(text: str) -> set[tuple[str, ...]]:
    found = words(text)
    return {tuple(found[i : i + RUN]) for i in range(len(found) - RUN + 1)}


def test_nothing_is_copied_from_a_spanish_excerpt_we_keep():
    excerpts = "\n".join(
        line.removeprefix(">").strip()
        for path in SOURCES_DIR.glob("*-es.md")
        for line in path.read_text().splitlines()
        if line.startswith(">")
    )
    with translation.override("es"):
        ours = "\n".join(
            part for advice in every_advice() for part in (advice.title, advice.text, advice.reason)
        )
        ours += "\n".join([*guidance.SYMPTOM_LIST, guidance.DISCLAIMER])
    assert excerpts
    copied = {" ".join(run) for run in runs(excerpts) & runs(ours)}
    assert copied == set()


# --- The help page --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_help_page_in_spanish_shows_spanish_advice_and_its_spanish_sources(client):
    page = client.get(reverse("help"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    assert "<h1>Cuándo pedir ayuda</h1>" in main
    assert "<title>Cuándo pedir ayuda" in page or "Cuándo pedir ayuda</title>" in page
    assert '<h2 id="sources">Fuentes</h2>' in main
    with translation.override("es"):
        for source in SOURCES_ES:
            assert f'<a href="{source.url}"><cite>{escape(source.name)}</cite></a>' in main
        for section in help_page_context()["sections"]:
            assert escape(str(section.heading)) in main
            for item in section.items:
                assert escape(item.advice.text) in main
        assert escape(guidance.DISCLAIMER) in main
    assert "Fuente: <a " in main and "Fuentes: <a " in main
    assert 'Contenido revisado por última vez el <time datetime="2026-11-29">' in main
    assert "29 de noviembre de 2026</time>." in main
    # An English source still cited is marked as English for readers and screen readers.
    assert f'<li><a href="{guidance.MAYO.url}" hreflang="en" lang="en">' in main
    assert "(en inglés)" in main
    for english in ("When to get help", "Get emergency help now", "Source:", "Sources:"):
        assert english not in main


@pytest.mark.django_db
def test_the_help_page_in_english_is_as_it_was(client):
    page = client.get(reverse("help"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    assert "<h1>When to get help</h1>" in main
    for source in SOURCES:
        assert f'<li><a href="{source.url}"><cite>{escape(source.name)}</cite></a></li>' in main
    for source in SOURCES_ES:
        assert source.url not in main
    assert 'Content last reviewed on <time datetime="2026-11-29">29 November 2026</time>.' in main
    assert escape(guidance.DISCLAIMER) in main
    assert "lang=" not in main.split('<h2 id="sources">')[1].split("</ul>")[0]
