"""When to get help: the level of every bleed, count advice, wording, sources, the help page.

The table of bleeds is tested whole: every kind × severity × first-aid answer, with and
without signs of bleeding in the brain.
"""

import itertools
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import escape

from accounts.models import Patient, User
from readings import guidance
from readings.guidance import (
    SOURCES,
    Advice,
    Level,
    Source,
    advice_for_episode,
    advice_for_patient,
    advice_for_reading,
    bleed_level,
    help_page_context,
)
from readings.models import (
    BleedingEpisode,
    BleedingKind,
    FirstAid,
    PlateletReading,
    Resolution,
    Severity,
    WarningSign,
)
from readings.units import Unit
from tests.clock import pinned

pytestmark = pinned

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
E, U, A = Level.EMERGENCY, Level.URGENT, Level.APPOINTMENT


# --- Unsaved model instances ----------------------------------------------------------------------


def patient(threshold=None, pregnant=False, unit=Unit.E9_PER_L) -> Patient:
    return Patient(
        name="Sam", alert_threshold=threshold, pregnant=pregnant, preferred_unit=unit.value
    )


def reading(count, below=False, drawn_on=TODAY, drawn_at=None) -> PlateletReading:
    text = f"<{count}" if below else str(count)
    return PlateletReading(
        drawn_on=drawn_on,
        drawn_at=drawn_at,
        count=Decimal(str(count)),
        comparator="<" if below else "",
        entered_text=text,
        entered_unit=Unit.E9_PER_L.value,
    )


def episode(
    kind=BleedingKind.OTHER,
    first_aid=FirstAid.STOPPED,
    severity=Severity.MILD,
    ago=timedelta(0),
    signs=(),
    **fields,
) -> BleedingEpisode:
    fields.setdefault("danger_logged_at", NOW - ago)  # logged as it happened
    return BleedingEpisode(
        started_at=NOW - ago,
        kind=kind,
        first_aid=first_aid,
        severity=severity,
        warning_signs=list(signs),
        **fields,
    )


def levels(advice: list[Advice]) -> list[tuple[Level, str]]:
    return [(a.level, a.title) for a in advice]


# --- The table: every kind × severity × first aid × signs -----------------------------------------

# The expected level, written out once more from the rules in readings/guidance.py: not severe
# / severe, for each kind.
EXPECTED_BY_KIND = {
    "bruising": (A, U),
    "petechiae": (A, U),
    "purpura": (A, U),
    "gums": (A, U),
    "nosebleed": (A, U),
    "urine": (U, U),
    "stool": (U, U),
    "menstrual": (A, U),
    "vomit": (U, U),
    "cough": (U, U),
    "head_injury": (U, E),
    "other": (A, U),
}


def expected_level(kind, severity, first_aid, signs) -> Level:
    if signs or severity == Severity.LIFE_THREATENING:
        return E
    if first_aid in (FirstAid.NOT_STOPPED, FirstAid.STILL_BLEEDING):
        return E
    return EXPECTED_BY_KIND[kind][severity == Severity.SEVERE]


def test_the_table_covers_every_kind():
    assert set(EXPECTED_BY_KIND) == set(BleedingKind.values) == set(guidance.KIND_LEVELS)


@pytest.mark.parametrize(
    ("kind", "severity", "first_aid", "signs"),
    list(
        itertools.product(
            BleedingKind.values,
            ["", *Severity.values],
            ["", *FirstAid.values],
            [(), ("headache",), ("vomiting", "drowsy")],
        )
    ),
)
def test_every_kind_severity_first_aid_and_signs_has_its_level(kind, severity, first_aid, signs):
    finding = bleed_level(episode(kind, first_aid, severity, signs=signs))
    assert finding.advice.level is expected_level(kind, severity, first_aid, signs)
    assert finding.advice.sources and set(finding.advice.sources) <= set(SOURCES)
    assert finding.what  # the reason always says what was logged


@pytest.mark.parametrize(
    ("entry", "title", "reason"),
    [
        # The reproductions.
        (
            episode(BleedingKind.HEAD_INJURY, signs=("headache", "vomiting")),
            "Signs of bleeding in the brain are an emergency",
            "You logged a head injury with signs of bleeding in the brain.",
        ),
        (
            episode(BleedingKind.OTHER, signs=("headache",)),
            "Signs of bleeding in the brain are an emergency",
            "You logged bleeding with signs of bleeding in the brain.",
        ),
        (
            episode(BleedingKind.HEAD_INJURY),
            "A knock to the head: get checked today",
            "You logged a head injury.",
        ),
        (
            episode(BleedingKind.OTHER, severity=Severity.SEVERE),
            "Tell your care team today",
            "You logged bleeding marked as severe.",
        ),
        (
            episode(BleedingKind.STOOL, severity=Severity.SEVERE),
            "Tell your care team today",
            "You logged blood in the stool marked as severe.",
        ),
        (
            episode(BleedingKind.MENSTRUAL, severity=Severity.SEVERE),
            "Tell your care team today",
            "You logged heavy menstrual bleeding marked as severe.",
        ),
        (episode(BleedingKind.VOMIT), "Tell your care team today", "You logged blood in vomit."),
        (
            episode(BleedingKind.COUGH),
            "Tell your care team today",
            "You logged coughing up blood.",
        ),
        (
            episode(BleedingKind.NOSEBLEED, severity=Severity.LIFE_THREATENING),
            "Life-threatening bleeding is an emergency",  # not "signs of bleeding in the brain"
            "You logged a nosebleed marked as life-threatening.",
        ),
        (
            episode(BleedingKind.NOSEBLEED, FirstAid.NOT_STOPPED),
            "Bleeding that does not stop is an emergency",
            "You logged a nosebleed that first aid did not stop.",
        ),
        (
            episode(BleedingKind.GUMS),
            "Make an appointment if it worries you",
            "You logged bleeding gums.",
        ),
    ],
)
def test_the_advice_says_what_was_logged(entry, title, reason):
    [advice] = advice_for_episode(entry, patient())
    assert (advice.title, advice.reason) == (title, reason)


def test_every_warning_sign_can_be_logged_and_each_is_named_in_the_advice():
    assert len(WarningSign.values) == 7
    text = guidance.BRAIN_BLEED_EMERGENCY.text.lower()
    for words in ("headache", "sick", "sleepiness", "confusion", "weakness", "speaking", "seeing",
                  "unsteadiness", "seizure"):  # fmt: skip
        assert words in text


# --- Who logged it ------------------------------------------------------------------------------


def test_the_reason_names_who_logged_it_for_everyone_else():
    alex = User(pk=1, display_name="Alex")
    vera = User(pk=2, display_name="Vera")
    entry = episode(BleedingKind.NOSEBLEED, FirstAid.STILL_BLEEDING, created_by=alex)
    [for_alex] = advice_for_episode(entry, patient(), alex)
    [for_vera] = advice_for_episode(entry, patient(), vera)
    assert for_alex.reason.startswith("You logged")
    assert for_vera.reason.startswith("Alex logged")
    [dashboard] = advice_for_patient(patient(), [], [entry], NOW, vera)
    assert dashboard.reason == (
        "In the last 48 hours, Alex logged a nosebleed that was still going on."
    )
    assert "your child" not in guidance.APPOINTMENT.text


# --- Counts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "who", "expected"),
    [
        (reading(45), patient(), []),
        (reading(19), patient(), [(U, "A very low count: make sure your care team knows")]),
        (
            reading(10, below=True),
            patient(),
            [(U, "A very low count: make sure your care team knows")],
        ),
        (
            reading(20, below=True),
            patient(),
            [(U, "A very low count: make sure your care team knows")],
        ),
        (reading(20), patient(), []),  # 20 is not below 20
        (reading(25, below=True), patient(), []),  # "<25" may well be 22
        (reading(19), patient(threshold=10), []),  # the clinician's own line wins
        (reading(9), patient(threshold=10), [(U, "Below the threshold your clinician set")]),
        (
            reading(10, below=True),
            patient(threshold=10),
            [(U, "Below the threshold your clinician set")],
        ),
        (reading(80), patient(pregnant=True), [(A, "Pregnancy: tell your care team")]),
        (reading(120), patient(pregnant=True), []),
    ],
)
def test_advice_for_a_count(entry, who, expected):
    assert levels(advice_for_reading(entry, who)) == expected


def test_a_very_low_count_cites_the_number_and_its_source_and_asks_for_the_threshold():
    [advice] = advice_for_reading(reading(8), patient(unit=Unit.PER_UL))
    assert advice.sources == (guidance.ST_JUDE_ITP,)
    assert "20 ×10⁹/L (20,000 per µL)" in advice.text
    assert "save it in the record's details" in advice.text
    assert advice.reason == (
        "This count, 8,000 per µL, is below 20,000 per µL, and no threshold from the care team "
        "is saved."
    )


def test_threshold_advice_is_written_in_the_patients_unit():
    [advice] = advice_for_reading(reading(9), patient(threshold=10, unit=Unit.PER_UL))
    assert "counts below 10,000 per µL" in advice.text


def test_pregnancy_reason_calls_100_a_definition_not_a_threshold():
    [advice] = advice_for_reading(reading(80), patient(pregnant=True))
    assert "below 100 ×10⁹/L, the level used to define ITP" in advice.reason


# --- The dashboard: what still applies ----------------------------------------------------------


def test_an_emergency_stays_48_hours_then_goes():
    bleed = episode(first_aid=FirstAid.STILL_BLEEDING, ago=timedelta(hours=47))
    assert levels(advice_for_patient(patient(), [], [bleed], NOW))[0][0] is E
    bleed = episode(first_aid=FirstAid.STILL_BLEEDING, ago=timedelta(hours=49))
    assert advice_for_patient(patient(), [], [bleed], NOW) == []


H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("started_ago", "logged_ago", "resolved_ago", "shown"),
    [
        # Logged as it happened: 48 hours from then.
        (47 * H, 47 * H, None, E),
        (49 * H, 49 * H, None, None),
        # Started 6 days 23 hours ago, logged 47 hours ago: news then, shown 48 hours from then.
        (167 * H, 47 * H, None, E),
        (167 * H, 49 * H, None, None),
        # Started 8 days before it was logged: history, not news; the bleed's own age counts.
        (8 * 24 * H + 47 * H, 47 * H, None, None),
        # Recorded as over: what to watch for, 48 hours from then.
        (100 * H, 100 * H, 47 * H, Level.INFORMATION),
        (100 * H, 100 * H, 49 * H, None),
    ],
)
def test_emergency_advice_counts_its_48_hours_from_when_the_danger_was_logged(
    started_ago, logged_ago, resolved_ago, shown
):
    ended = {}
    if resolved_ago is not None:
        ended = {"resolution": Resolution.CARE, "resolved_at": NOW - resolved_ago}
    bleed = episode(
        first_aid=FirstAid.STILL_BLEEDING,
        ago=started_ago,
        danger_logged_at=NOW - logged_ago,
        **ended,
    )
    advice = advice_for_patient(patient(), [], [bleed], NOW)
    assert [a.level for a in advice] == ([shown] if shown else [])


@pytest.mark.parametrize("resolution", Resolution.values)
def test_a_recorded_ending_turns_the_emergency_into_what_to_watch_for(resolution):
    bleed = episode(first_aid=FirstAid.STILL_BLEEDING, resolution=resolution)
    [advice] = advice_for_patient(patient(), [], [bleed], NOW)
    assert advice.level is Level.INFORMATION
    assert advice.title == "After the bleeding: what to watch for"
    label = Resolution(resolution).label.lower()
    assert advice.reason.endswith(f"that was still going on. Since then: {label}.")


def test_the_dashboard_advice_uses_the_latest_count_in_the_one_order():
    untimed = reading(45)
    timed = reading(8, drawn_at=datetime(2026, 11, 20, 8, tzinfo=UTC))
    advice = advice_for_patient(patient(threshold=20), [timed, untimed], [], NOW)
    assert [a.title for a in advice] == ["Below the threshold your clinician set"]
    assert "The latest count (from 20 Nov 2026), 8 ×10⁹/L," in advice[0].reason


def test_the_dashboard_keeps_the_most_specific_reason_per_advice():
    stopped_not = episode(first_aid=FirstAid.NOT_STOPPED, ago=timedelta(hours=1))
    still = episode(first_aid=FirstAid.STILL_BLEEDING, ago=timedelta(hours=2))
    [advice] = advice_for_patient(patient(), [], [stopped_not, still], NOW)
    assert advice.reason.endswith("bleeding that was still going on.")


def test_the_dashboard_ignores_deleted_entries():
    gone = episode(first_aid=FirstAid.STILL_BLEEDING, deleted_at=NOW)
    assert advice_for_patient(patient(), [], [gone], NOW) == []


# --- Sources -------------------------------------------------------------------------------------


def all_advice() -> list[Advice]:
    found = []
    for kind, severity, first_aid, signs in itertools.product(
        BleedingKind.values, Severity.values, FirstAid.values, [(), ("seizure",)]
    ):
        entry = episode(kind, first_aid, severity, signs=signs)
        found += advice_for_episode(entry, patient(pregnant=True))
    for count in (5, 15, 80):
        found += advice_for_reading(reading(count), patient(pregnant=True))
        found += advice_for_reading(reading(count), patient(threshold=30))
    for section in help_page_context()["sections"]:
        found += [item.advice for item in section.items]
    return found


SOURCES_DIR = Path(settings.BASE_DIR) / "docs" / "sources"


def test_every_advice_names_known_sources_each_kept_with_an_excerpt_and_a_date():
    advice = all_advice()
    used = {source for a in advice for source in a.sources}
    assert used == set(SOURCES)
    kept = {path: path.read_text() for path in SOURCES_DIR.glob("*.md")}
    for source in SOURCES:
        assert isinstance(source, Source)
        files = [text for text in kept.values() if source.url in text]
        assert files, f"no excerpt in docs/sources/ for {source.url}"
        # Reviewed when it was read: the date in the code is the date beside the excerpt.
        read = f"Read: {source.reviewed.day} {source.reviewed:%b %Y}"
        assert any(read in text and "\n> " in text for text in files), (source.name, read)


def test_levels_have_plain_labels_and_sort_emergency_first():
    assert [level.label for level in Level] == [
        "Emergency: get help now",
        "Contact your care team today",
        "Make an appointment",
        "Good to know",
    ]
    assert sorted(Level, key=lambda level: level.rank)[0] is Level.EMERGENCY


# --- The help page --------------------------------------------------------------------------------


class _Page(HTMLParser):
    """Visible text, headings and a tag-balance check of a rendered page."""

    VOID = {"meta", "link", "br", "hr", "img", "input", "source", "area", "base", "col", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self.text: list[str] = []
        self._heading: str | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)
        if tag in {"h1", "h2", "h3"}:
            self._heading, self._heading_text = tag, []
        if tag in {"script", "style", "title"}:
            self._skip += 1
        for name, _ in attrs:
            if name == "style" or name.startswith("on"):
                self.errors.append(f"inline {name} on <{tag}>")

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> does not close <{self.stack[-1] if self.stack else ''}>")
            return
        self.stack.pop()
        if tag == self._heading:
            self.headings.append((tag, " ".join("".join(self._heading_text).split())))
            self._heading = None
        if tag in {"script", "style", "title"}:
            self._skip -= 1

    def handle_data(self, data):
        if self._heading:
            self._heading_text.append(data)
        if not self._skip:
            self.text.append(data)


@pytest.fixture
def page_html() -> str:
    return render_to_string("readings/help.html", help_page_context())


@pytest.fixture
def page(page_html) -> _Page:
    parsed = _Page()
    parsed.feed(page_html)
    parsed.close()
    return parsed


def main_of(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def test_help_page_is_well_formed_with_one_h1_and_sections_in_order(page, page_html):
    assert page.errors == []
    assert page.stack == []
    assert [h for h in page.headings if h[0] != "h3"] == [
        ("h1", "When to get help"),
        ("h2", "Get emergency help now"),
        ("h2", "Contact your care team today"),
        ("h2", "Make an appointment"),
        ("h2", "After an emergency"),
        ("h2", "Pregnancy"),
        ("h2", "Children and adults"),
        ("h2", "What a platelet count is, and what the chart's bands mean"),
        ("h2", "Sources"),
    ]
    assert "<script" not in main_of(page_html)
    assert "<title>When to get help · ITP Tracker</title>" in page_html


def test_help_page_emergency_section_comes_first_and_stands_out(page_html):
    main = main_of(page_html)
    first_section = main[main.index("<section") : main.index("</section>")]
    assert 'class="alert-box emergency' in first_section
    assert escape(guidance.BLEEDING_EMERGENCY.text) in first_section
    assert escape(guidance.BRAIN_BLEED_EMERGENCY.text) in first_section
    for source in guidance.BRAIN_BLEED_EMERGENCY.sources:
        assert source.url in first_section


def test_help_page_names_a_source_beside_every_piece_of_advice(page_html):
    main = main_of(page_html)
    for section in help_page_context()["sections"]:
        for item in section.items:
            text_at = main.index(escape(item.advice.text))
            links = "; ".join(
                f'<a href="{source.url}"><cite>{escape(source.name)}</cite></a>'
                for source in item.advice.sources
            )
            word = "Source" if len(item.advice.sources) == 1 else "Sources"
            source_line = f'<p class="source">{word}: {links}</p>'
            # The source line is the first paragraph after the text (and its list, if any).
            assert main.index(source_line, text_at) == main.index('<p class="source">', text_at)
            for point in item.points:
                assert f"<li>{escape(point)}</li>" in main


def test_help_page_lists_sources_review_date_and_disclaimer(page_html, page):
    for source in SOURCES:
        assert f'<a href="{source.url}"><cite>{escape(source.name)}</cite></a>' in page_html
    text = " ".join("".join(page.text).split())
    assert "Content last reviewed on 29 November 2026." in text
    assert '<time datetime="2026-11-29">' in page_html
    assert escape(guidance.DISCLAIMER) in main_of(page_html)
    assert "does not replace your clinician" in guidance.DISCLAIMER
    assert "call your local emergency number" in guidance.DISCLAIMER


def test_help_page_shows_the_reference_bands_and_never_a_threshold_of_its_own(page):
    text = " ".join("".join(page.text).split())
    assert "150–450 ×10⁹/L (150,000–450,000 per µL)" in text
    assert "below 100 ×10⁹/L (100,000 per µL)" in text
    assert "ITP Tracker never sets one for you." in text


def test_help_page_renders_for_an_anonymous_request(rf):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/help/")
    request.user = AnonymousUser()
    html = render_to_string("readings/help.html", help_page_context(), request=request)
    assert escape(guidance.DISCLAIMER) in html


# --- Our own words --------------------------------------------------------------------------------

SOURCE_TEXT = Path(settings.BASE_DIR).parent / "shared/source/mayo-clinic-itp-symptoms-causes.txt"
RUN = 8  # words
SHORT_SENTENCE = 5  # words: a whole sentence this long or longer must not be copied either


def words(text: str) -> list[str]:
    text = text.lower().replace("’", "'")
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?:])\s+|\n+", text) if s.strip()]


def runs(word_list: list[str], n: int = RUN) -> set[tuple[str, ...]]:
    return {tuple(word_list[i : i + n]) for i in range(len(word_list) - n + 1)}


def copied_from(source: str, ours: str) -> list[str]:
    """Source sentences with an 8-word run (or, if short, the whole sentence) in our text."""
    our_runs = runs(words(ours))
    our_sentences = {tuple(words(s)) for s in sentences(ours)}
    found = []
    for sentence in sentences(source):
        source_words = words(sentence)
        if runs(source_words) & our_runs or (
            len(source_words) >= SHORT_SENTENCE and tuple(source_words) in our_sentences
        ):
            found.append(sentence)
    return found


@pytest.fixture
def mayo_text() -> str:
    if not SOURCE_TEXT.exists():
        pytest.skip(f"source text not found at {SOURCE_TEXT}")
    return SOURCE_TEXT.read_text(encoding="utf-8")


def our_text(page: _Page) -> str:
    parts = ["".join(page.text)]
    for advice in all_advice():
        parts += [advice.title, advice.text, advice.reason]
    parts += [*guidance.SYMPTOM_LIST, guidance.OWN_THRESHOLD_NOTE, guidance.DISCLAIMER]
    return "\n".join(parts)


def test_nothing_is_copied_from_the_mayo_text(mayo_text, page):
    assert copied_from(mayo_text, our_text(page)) == []


def test_the_copy_check_catches_a_copied_sentence(mayo_text, page):
    longest = max(sentences(mayo_text), key=lambda s: len(words(s)))
    assert copied_from(mayo_text, our_text(page) + "\n" + longest.upper()) == [longest]
    # A short sentence copied whole is caught too.
    short = next(s for s in sentences(mayo_text) if len(words(s)) == SHORT_SENTENCE)
    assert short in copied_from(mayo_text, "Some words. " + short)


def test_nothing_is_copied_from_any_source_excerpt_we_keep(page):
    excerpts = "\n".join(
        line.removeprefix(">").strip()
        for path in SOURCES_DIR.glob("*.md")
        for line in path.read_text().splitlines()
        if line.startswith(">")
    )
    assert excerpts
    assert copied_from(excerpts, our_text(page)) == []
