import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import escape

from accounts.models import Patient
from readings import guidance
from readings.guidance import (
    MAYO,
    NHLBI,
    SOURCES,
    Advice,
    Level,
    Source,
    advice_for_episode,
    advice_for_patient,
    advice_for_reading,
    help_page_context,
)
from readings.models import BleedingEpisode, BleedingKind, FirstAid, PlateletReading, Severity
from readings.units import Unit
from tests.clock import pinned

pytestmark = pinned

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = NOW.date()

# What each rule produces: (level, title, source).
EMERGENCY = (Level.EMERGENCY, "Bleeding that does not stop is an emergency", MAYO)
BRAIN = (Level.EMERGENCY, "Signs of bleeding in the brain are an emergency", NHLBI)
APPOINTMENT = (Level.CONTACT_CARE_TEAM, "Make an appointment if it worries you", MAYO)
PREGNANCY = (Level.CONTACT_CARE_TEAM, "Pregnancy: tell your care team", MAYO)
THRESHOLD = (Level.CONTACT_CARE_TEAM, "Below the threshold your clinician set", NHLBI)


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
    kind=BleedingKind.OTHER, first_aid=FirstAid.STOPPED, severity=Severity.MILD, ago=timedelta(0)
) -> BleedingEpisode:
    return BleedingEpisode(started_at=NOW - ago, kind=kind, first_aid=first_aid, severity=severity)


def summary(advice: list[Advice]) -> list[tuple[Level, str, Source]]:
    return [(a.level, a.title, a.source) for a in advice]


# --- One episode ----------------------------------------------------------------------------------

EPISODE_CASES = [
    # No advice.
    ("other, stopped", episode(), patient(), []),
    ("other, nothing filled in", episode(first_aid="", severity=""), patient(), []),
    ("other, severe but stopped", episode(severity=Severity.SEVERE), patient(), []),
    ("other, stopped, threshold set", episode(), patient(threshold=30), []),
    # Emergency.
    ("first aid did not stop it", episode(first_aid=FirstAid.NOT_STOPPED), patient(), [EMERGENCY]),
    ("still bleeding", episode(first_aid=FirstAid.STILL_BLEEDING), patient(), [EMERGENCY]),
    (
        "life-threatening, stopped",
        episode(severity=Severity.LIFE_THREATENING),
        patient(),
        [EMERGENCY, BRAIN],
    ),
    # A listed kind.
    ("nosebleed, stopped", episode(BleedingKind.NOSEBLEED), patient(), [APPOINTMENT]),
    (
        "nosebleed, still bleeding",
        episode(BleedingKind.NOSEBLEED, FirstAid.STILL_BLEEDING),
        patient(),
        [EMERGENCY, APPOINTMENT],
    ),
    (
        "blood in urine, not stopped, life-threatening",
        episode(BleedingKind.URINE, FirstAid.NOT_STOPPED, Severity.LIFE_THREATENING),
        patient(),
        [EMERGENCY, BRAIN, APPOINTMENT],
    ),
    # Pregnancy: any bleeding.
    ("pregnant, other, stopped", episode(), patient(pregnant=True), [PREGNANCY]),
    (
        "pregnant, petechiae",
        episode(BleedingKind.PETECHIAE),
        patient(pregnant=True),
        [APPOINTMENT, PREGNANCY],
    ),
    (
        "pregnant, still bleeding",
        episode(first_aid=FirstAid.STILL_BLEEDING),
        patient(pregnant=True),
        [EMERGENCY, PREGNANCY],
    ),
    ("not pregnant, other", episode(), patient(pregnant=False), []),
]


@pytest.mark.parametrize(
    ("entry", "who", "expected"),
    [case[1:] for case in EPISODE_CASES],
    ids=[case[0] for case in EPISODE_CASES],
)
def test_advice_for_episode(entry, who, expected):
    assert summary(advice_for_episode(entry, who)) == expected


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        (BleedingKind.EASY_BRUISING, "You logged easy bruising."),
        (BleedingKind.PETECHIAE, "You logged petechiae (tiny red-purple dots)."),
        (BleedingKind.PURPURA, "You logged purpura (larger purple patches)."),
        (BleedingKind.GUMS, "You logged bleeding gums."),
        (BleedingKind.NOSEBLEED, "You logged a nosebleed."),
        (BleedingKind.URINE, "You logged blood in the urine."),
        (BleedingKind.STOOL, "You logged blood in the stool."),
        (BleedingKind.MENSTRUAL, "You logged heavy menstrual bleeding."),
    ],
)
def test_every_listed_kind_suggests_an_appointment_and_names_it(kind, reason):
    [advice] = advice_for_episode(episode(kind), patient())
    assert (advice.level, advice.title, advice.source) == APPOINTMENT
    assert advice.reason == reason


def test_every_kind_but_other_is_listed():
    assert set(guidance.LISTED_KINDS) == set(BleedingKind) - {BleedingKind.OTHER}


@pytest.mark.parametrize(
    ("first_aid", "severity", "reason"),
    [
        (FirstAid.STILL_BLEEDING, Severity.LIFE_THREATENING, "was still going on"),
        (FirstAid.NOT_STOPPED, Severity.MODERATE, "first aid did not stop"),
        (FirstAid.STOPPED, Severity.LIFE_THREATENING, "you marked as life-threatening"),
    ],
)
def test_emergency_reason_says_what_was_logged(first_aid, severity, reason):
    advice = advice_for_episode(episode(first_aid=first_aid, severity=severity), patient())
    assert advice[0].level is Level.EMERGENCY
    assert advice[0].reason == f"You logged bleeding that {reason}."


# --- One reading ----------------------------------------------------------------------------------

READING_CASES = [
    # Clinician threshold: strictly below.
    ("below threshold", reading(25), patient(threshold=30), [THRESHOLD]),
    ("just below threshold", reading("29.999"), patient(threshold=30), [THRESHOLD]),
    ("at threshold", reading(30), patient(threshold=30), []),
    ("above threshold", reading(45), patient(threshold=30), []),
    ("no threshold, very low count", reading(5), patient(), []),
    ("no threshold, below detection", reading(10, below=True), patient(), []),
    # Below detection: below when the detection limit is at or under the threshold.
    ("<10, threshold 10", reading(10, below=True), patient(threshold=10), [THRESHOLD]),
    ("<10, threshold 20", reading(10, below=True), patient(threshold=20), [THRESHOLD]),
    ("<10, threshold 5", reading(10, below=True), patient(threshold=5), []),
    # Pregnancy, no threshold: low means below the ITP definition line (100).
    ("pregnant, 99", reading(99), patient(pregnant=True), [PREGNANCY]),
    ("pregnant, 100", reading(100), patient(pregnant=True), []),
    ("pregnant, <100", reading(100, below=True), patient(pregnant=True), [PREGNANCY]),
    ("pregnant, 250", reading(250), patient(pregnant=True), []),
    # Pregnancy with a threshold: the clinician's threshold decides what is low.
    ("pregnant, above threshold", reading(80), patient(threshold=30, pregnant=True), []),
    (
        "pregnant, below threshold",
        reading(20),
        patient(threshold=30, pregnant=True),
        [THRESHOLD, PREGNANCY],
    ),
    ("not pregnant, 80", reading(80), patient(pregnant=False), []),
]


@pytest.mark.parametrize(
    ("entry", "who", "expected"),
    [case[1:] for case in READING_CASES],
    ids=[case[0] for case in READING_CASES],
)
def test_advice_for_reading(entry, who, expected):
    assert summary(advice_for_reading(entry, who)) == expected


def test_threshold_advice_is_written_in_the_patients_unit():
    [advice] = advice_for_reading(reading(25), patient(threshold=30, unit=Unit.PER_UL))
    assert "Follow the plan your clinician gave you for counts below 30,000 per µL." in advice.text
    assert advice.reason == "This count, 25,000 per µL, is below the threshold your clinician set."

    [advice] = advice_for_reading(reading(10, below=True), patient(threshold=30))
    assert "counts below 30 ×10⁹/L" in advice.text
    assert "<10 ×10⁹/L" in advice.reason


def test_pregnancy_reason_calls_100_a_definition_not_a_threshold():
    [advice] = advice_for_reading(reading(80), patient(pregnant=True))
    assert "80 ×10⁹/L" in advice.reason
    assert "the level used to define ITP" in advice.reason
    assert "threshold" not in advice.reason

    [_, advice] = advice_for_reading(reading(20), patient(threshold=30, pregnant=True))
    assert "the threshold your clinician set" in advice.reason


# --- The dashboard: what still applies now --------------------------------------------------------

SECOND = timedelta(seconds=1)
H48 = timedelta(hours=48)
D7 = timedelta(days=7)
D14 = timedelta(days=14)
STILL = FirstAid.STILL_BLEEDING

PATIENT_CASES = [
    ("nothing logged", patient(threshold=30, pregnant=True), [], [], []),
    # Emergency: 48 hours.
    ("still bleeding, now", patient(), [], [episode(first_aid=STILL)], [EMERGENCY]),
    ("still bleeding, 48 h ago", patient(), [], [episode(first_aid=STILL, ago=H48)], [EMERGENCY]),
    (
        "still bleeding, 48 h + 1 s ago",
        patient(),
        [],
        [episode(first_aid=STILL, ago=H48 + SECOND)],
        [],
    ),
    (
        "not stopped, 47 h ago",
        patient(),
        [],
        [episode(first_aid=FirstAid.NOT_STOPPED, ago=timedelta(hours=47))],
        [EMERGENCY],
    ),
    (
        "life-threatening, just inside 48 h",
        patient(),
        [],
        [episode(severity=Severity.LIFE_THREATENING, ago=H48 - SECOND)],
        [EMERGENCY, BRAIN],
    ),
    (
        "life-threatening, just outside 48 h",
        patient(),
        [],
        [episode(severity=Severity.LIFE_THREATENING, ago=H48 + SECOND)],
        [],
    ),
    ("stopped, other, now", patient(), [], [episode()], []),
    (
        "dated in the future",
        patient(),
        [],
        [episode(first_aid=STILL, ago=-timedelta(hours=1))],
        [EMERGENCY],
    ),
    # Listed kind: 7 days.
    (
        "nosebleed, 7 days ago",
        patient(),
        [],
        [episode(BleedingKind.NOSEBLEED, ago=D7)],
        [APPOINTMENT],
    ),
    (
        "nosebleed, 7 days + 1 s ago",
        patient(),
        [],
        [episode(BleedingKind.NOSEBLEED, ago=D7 + SECOND)],
        [],
    ),
    (
        "nosebleed still bleeding 3 days ago",
        patient(),
        [],
        [episode(BleedingKind.NOSEBLEED, STILL, ago=timedelta(days=3))],
        [APPOINTMENT],
    ),
    # Pregnancy and bleeding: 14 days.
    ("pregnant, bleeding 14 days ago", patient(pregnant=True), [], [episode(ago=D14)], [PREGNANCY]),
    (
        "pregnant, bleeding 14 days + 1 s ago",
        patient(pregnant=True),
        [],
        [episode(ago=D14 + SECOND)],
        [],
    ),
    (
        "pregnant, nosebleed 10 days ago",
        patient(pregnant=True),
        [],
        [episode(BleedingKind.NOSEBLEED, ago=timedelta(days=10))],
        [PREGNANCY],
    ),
    ("not pregnant, bleeding now", patient(pregnant=False), [], [episode()], []),
    # Readings: the latest one only, whatever the order given.
    ("latest below threshold", patient(threshold=30), [reading(25)], [], [THRESHOLD]),
    (
        "latest below, older above",
        patient(threshold=30),
        [reading(80, drawn_on=TODAY - D7), reading(25)],
        [],
        [THRESHOLD],
    ),
    (
        "older below, latest above",
        patient(threshold=30),
        [reading(25, drawn_on=TODAY - D7), reading(80)],
        [],
        [],
    ),
    (
        "same day, the timed reading is the latest",
        patient(threshold=30),
        [reading(25, drawn_at=NOW - timedelta(hours=2)), reading(80)],
        [],
        [THRESHOLD],
    ),
    ("no threshold, low latest", patient(), [reading(5)], [], []),
    ("pregnant, low latest", patient(pregnant=True), [reading(60)], [], [PREGNANCY]),
    (
        "pregnant, low count long ago, normal latest",
        patient(pregnant=True),
        [reading(60, drawn_on=TODAY - D7), reading(160)],
        [],
        [],
    ),
    # Everything at once, emergency first, each advice once.
    (
        "everything",
        patient(threshold=30, pregnant=True),
        [reading(20)],
        [
            episode(BleedingKind.GUMS, ago=timedelta(days=2)),
            episode(BleedingKind.NOSEBLEED, STILL, Severity.LIFE_THREATENING),
            episode(first_aid=STILL, ago=timedelta(hours=1)),
        ],
        [EMERGENCY, BRAIN, THRESHOLD, PREGNANCY, APPOINTMENT],
    ),
]


@pytest.mark.parametrize(
    ("who", "readings", "episodes", "expected"),
    [case[1:] for case in PATIENT_CASES],
    ids=[case[0] for case in PATIENT_CASES],
)
def test_advice_for_patient(who, readings, episodes, expected):
    assert summary(advice_for_patient(who, readings, episodes, NOW)) == expected


def test_dashboard_keeps_the_most_specific_reason():
    episodes = [
        episode(first_aid=FirstAid.NOT_STOPPED, ago=timedelta(hours=1)),
        episode(first_aid=STILL, ago=timedelta(hours=5)),
        episode(severity=Severity.LIFE_THREATENING, ago=timedelta(hours=2)),
    ]
    [emergency, _brain] = advice_for_patient(patient(), [], episodes, NOW)
    assert emergency.reason == "In the last 48 hours you logged bleeding that was still going on."


def test_dashboard_names_each_listed_kind_once_newest_first():
    episodes = [
        episode(BleedingKind.GUMS, ago=timedelta(days=3)),
        episode(BleedingKind.NOSEBLEED, ago=timedelta(days=1)),
        episode(BleedingKind.NOSEBLEED, ago=timedelta(days=2)),
        episode(BleedingKind.OTHER),
    ]
    [advice] = advice_for_patient(patient(), [], episodes, NOW)
    assert advice.reason == "In the last 7 days you logged a nosebleed and bleeding gums."


def test_dashboard_pregnancy_reason_prefers_the_count():
    [advice] = advice_for_patient(patient(pregnant=True), [reading(60)], [episode()], NOW)
    assert advice.reason.startswith("You are marked as pregnant. Your latest count, 60 ×10⁹/L,")


def test_dashboard_threshold_reason_names_the_latest_count():
    [advice] = advice_for_patient(patient(threshold=30), [reading(25)], [], NOW)
    assert advice.reason == (
        "Your latest count, 25 ×10⁹/L, is below the threshold your clinician set."
    )


def test_dashboard_ignores_deleted_entries():
    gone = episode(first_aid=STILL)
    gone.deleted_at = NOW
    old = reading(80, drawn_on=TODAY - D7)
    deleted_low = reading(25)
    deleted_low.deleted_at = NOW
    assert advice_for_patient(patient(threshold=30), [old, deleted_low], [gone], NOW) == []


# --- Sources --------------------------------------------------------------------------------------


def all_advice() -> list[Advice]:
    found = []
    for _, entry, who, _ in EPISODE_CASES:
        found += advice_for_episode(entry, who)
    for _, entry, who, _ in READING_CASES:
        found += advice_for_reading(entry, who)
    for _, who, readings, episodes, _ in PATIENT_CASES:
        found += advice_for_patient(who, readings, episodes, NOW)
    for section in help_page_context()["sections"]:
        found += [item.advice for item in section.items]
    return found


def test_every_advice_names_one_known_source():
    advice = all_advice()
    assert {a.source for a in advice} == set(SOURCES)
    for a in advice:
        assert isinstance(a.source, Source)
        assert a.source in SOURCES
        assert a.title and a.text


def test_sources_are_the_mayo_and_nhlbi_pages_reviewed_on_24_november_2026():
    assert SOURCES == (MAYO, NHLBI)
    assert MAYO.url.startswith("https://www.mayoclinic.org/")
    assert NHLBI.url == "https://www.nhlbi.nih.gov/health-topics/immune-thrombocytopenia"
    assert {s.reviewed for s in SOURCES} == {date(2026, 11, 24)}


def test_levels_have_plain_labels_and_sort_emergency_first():
    assert [level.label for level in Level] == [
        "Emergency",
        "Contact your care team",
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
        ("h2", "Make an appointment"),
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
    assert NHLBI.url in first_section and MAYO.url in first_section


def test_help_page_names_a_source_beside_every_piece_of_advice(page_html):
    main = main_of(page_html)
    for section in help_page_context()["sections"]:
        for item in section.items:
            text_at = main.index(escape(item.advice.text))
            source_line = (
                f'<p class="source">Source: <a href="{item.advice.source.url}">'
                f"{item.advice.source.name}</a></p>"
            )
            # The source line is the first paragraph after the text (and its list, if any).
            assert main.index(source_line, text_at) == main.index('<p class="source">', text_at)
            for point in item.points:
                assert f"<li>{escape(point)}</li>" in main


def test_help_page_lists_sources_review_date_and_disclaimer(page_html, page):
    for source in SOURCES:
        assert f'<a href="{source.url}">{source.name}</a>' in page_html
    text = " ".join("".join(page.text).split())
    assert "Content last reviewed on 24 November 2026." in text
    assert '<time datetime="2026-11-24">' in page_html
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
