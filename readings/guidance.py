"""When to get help: advice for an entry, for a patient's dashboard, and for the help page.

Every sentence a person reads about when to get help is written here, once, in our own words,
and every piece of advice names the one public source it rests on. The app never diagnoses and
never invents a treatment threshold: the only count-based advice compares a reading with the
threshold the patient's clinician set, and says nothing when there is none.

Pure functions: no HTTP, no database queries. They read attributes of the model instances they
are given (saved or not).
"""

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from readings.models import BleedingEpisode, BleedingKind, FirstAid, PlateletReading, Severity
from readings.units import Unit, format_count, format_number


class Level(enum.Enum):
    """How urgent a piece of advice is. Declared most urgent first; results are sorted so."""

    EMERGENCY = "emergency"
    CONTACT_CARE_TEAM = "contact"
    INFORMATION = "information"

    @property
    def label(self) -> str:
        return _LEVEL_LABELS[self]

    @property
    def rank(self) -> int:
        return list(Level).index(self)


_LEVEL_LABELS = {
    Level.EMERGENCY: "Emergency",
    Level.CONTACT_CARE_TEAM: "Contact your care team",
    Level.INFORMATION: "Good to know",
}


@dataclass(frozen=True)
class Source:
    name: str
    url: str
    reviewed: date  # when we last checked our wording against the source


@dataclass(frozen=True)
class Advice:
    level: Level
    title: str
    text: str
    source: Source
    reason: str = ""  # why it is shown ("You logged a nosebleed."); empty on the help page


REVIEWED = date(2026, 11, 24)

MAYO = Source(
    "Mayo Clinic: Immune thrombocytopenia (ITP), symptoms and causes",
    "https://www.mayoclinic.org/diseases-conditions/idiopathic-thrombocytopenic-purpura/"
    "symptoms-causes/syc-20352325",
    REVIEWED,
)
NHLBI = Source(
    "NHLBI: Immune thrombocytopenia",
    "https://www.nhlbi.nih.gov/health-topics/immune-thrombocytopenia",
    REVIEWED,
)
SOURCES: tuple[Source, ...] = (MAYO, NHLBI)

# The chart's reference bands, in ×10⁹/L (NHLBI). Definitions, never treatment thresholds.
NORMAL_RANGE = (Decimal(150), Decimal(450))
ITP_DEFINITION_BELOW = Decimal(100)

# --- The advice, written once -------------------------------------------------------------------

BLEEDING_EMERGENCY = Advice(
    Level.EMERGENCY,
    "Bleeding that does not stop is an emergency",
    "If bleeding keeps going after firm pressure or your usual first aid, get help now: call "
    "your local emergency number or go to the nearest emergency department.",
    MAYO,
)
BRAIN_BLEED_EMERGENCY = Advice(
    Level.EMERGENCY,
    "Signs of bleeding in the brain are an emergency",
    "Bleeding inside the head is rare, but serious. A sudden, severe headache, confusion or new "
    "weakness, above all after a knock to the head, needs emergency help straight away: call "
    "your local emergency number.",
    NHLBI,
)
APPOINTMENT = Advice(
    Level.CONTACT_CARE_TEAM,
    "Make an appointment if it worries you",
    "If this, or anything else about your health or your child's, worries you, book a visit "
    "with your care team.",
    MAYO,
)
SYMPTOMS_TO_WATCH = Advice(
    Level.CONTACT_CARE_TEAM,
    "Signs to see your care team about",
    "Book a visit with your care team if you notice any of these, or anything else that "
    "worries you, in yourself or your child:",
    MAYO,
)
SYMPTOM_LIST = (
    "Bruising easily",
    "Petechiae: tiny red-purple dots, often on the lower legs, easy to mistake for a rash",
    "Purpura: larger purple patches under the skin",
    "Bleeding gums or nosebleeds",
    "Blood in the urine or in stool (poo)",
    "Periods that are much heavier than usual",
)
PREGNANCY = Advice(
    Level.CONTACT_CARE_TEAM,
    "Pregnancy: tell your care team",
    "If you are pregnant and your platelet count is low or you have any bleeding, tell your "
    "care team. A low count or bleeding in pregnancy raises the chance of heavier bleeding "
    "during the birth. The baby's platelet count is checked soon after birth.",
    MAYO,
)
CHILDREN_AND_ADULTS = Advice(
    Level.INFORMATION,
    "ITP in children and in adults",
    "In children, ITP often starts after a virus and often clears up on its own, with no "
    "treatment. In adults it tends to last longer, often for months or years.",
    MAYO,
)


def _range(low: Decimal, high: Decimal, unit: Unit) -> str:
    return f"{format_number(low, unit)}–{format_count(high, unit)}"


PLATELETS = Advice(
    Level.INFORMATION,
    "What a platelet count is",
    "Platelets are small cells in the blood that help it clot, which stops bleeding. "
    f"A normal count is {_range(*NORMAL_RANGE, Unit.E9_PER_L)} "
    f"({_range(*NORMAL_RANGE, Unit.PER_UL)}). The chart shows this as the normal band.",
    NHLBI,
)
ITP_DEFINITION = Advice(
    Level.INFORMATION,
    "The ITP band on the chart",
    f"A count below {format_count(ITP_DEFINITION_BELOW, Unit.E9_PER_L)} "
    f"({format_count(ITP_DEFINITION_BELOW, Unit.PER_UL)}) is part of how ITP is defined, and the "
    "chart shows this as the ITP band. It is a definition, not a treatment threshold: it does "
    "not tell you when treatment is needed.",
    NHLBI,
)
# About the app itself, not advice from a source, so it carries none.
OWN_THRESHOLD_NOTE = (
    "The chart draws a threshold line of your own only if your clinician gave you one and it "
    "is saved in the record's details. ITP Tracker never sets one for you."
)
DISCLAIMER = (
    "ITP Tracker does not replace your clinician and does not diagnose. In an emergency, call "
    "your local emergency number."
)


def threshold_advice(threshold: int, unit: Unit, reason: str = "") -> Advice:
    shown = format_count(Decimal(threshold), unit)
    return Advice(
        Level.CONTACT_CARE_TEAM,
        "Below the threshold your clinician set",
        f"Follow the plan your clinician gave you for counts below {shown}. If you do not have "
        "one, or are not sure what to do, contact your care team.",
        NHLBI,
        reason,
    )


# --- Why advice applies ---------------------------------------------------------------------------

# What the person logged, for "You logged …". Every kind the source lists; "other" is not here.
LISTED_KINDS = {
    BleedingKind.EASY_BRUISING: "easy bruising",
    BleedingKind.PETECHIAE: "petechiae (tiny red-purple dots)",
    BleedingKind.PURPURA: "purpura (larger purple patches)",
    BleedingKind.GUMS: "bleeding gums",
    BleedingKind.NOSEBLEED: "a nosebleed",
    BleedingKind.URINE: "blood in the urine",
    BleedingKind.STOOL: "blood in the stool",
    BleedingKind.MENSTRUAL: "heavy menstrual bleeding",
}

# Why an episode is an emergency, most specific first.
_EMERGENCY_REASONS = (
    (lambda e: e.first_aid == FirstAid.STILL_BLEEDING, "was still going on"),
    (lambda e: e.first_aid == FirstAid.NOT_STOPPED, "first aid did not stop"),
    (lambda e: e.severity == Severity.LIFE_THREATENING, "you marked as life-threatening"),
)


def _emergency_reason(episode) -> tuple[str, int] | None:
    """What made the episode an emergency, and how specific that is (higher is more)."""
    for index, (applies, what) in enumerate(_EMERGENCY_REASONS):
        if applies(episode):
            return what, len(_EMERGENCY_REASONS) - index
    return None


def _bleeding_that(what: str) -> str:
    return f"bleeding that {what}"


def _unit(patient) -> Unit:
    return Unit(patient.preferred_unit)


def _low_for_pregnancy(patient) -> tuple[Decimal, str]:
    """The count under which a pregnant patient's count is called low here, and its name.

    The clinician's threshold when there is one; otherwise the ITP definition line, which is a
    definition and not a treatment threshold (so the wording says so).
    """
    unit = _unit(patient)
    if patient.alert_threshold is not None:
        limit = Decimal(patient.alert_threshold)
        return limit, f"below {format_count(limit, unit)}, the threshold your clinician set"
    return (
        ITP_DEFINITION_BELOW,
        f"below {format_count(ITP_DEFINITION_BELOW, unit)}, the level used to define ITP",
    )


def _with_reason(advice: Advice, reason: str) -> Advice:
    return Advice(advice.level, advice.title, advice.text, advice.source, reason)


def _by_level(advice: Iterable[Advice]) -> list[Advice]:
    return sorted(advice, key=lambda a: a.level.rank)  # stable: keeps the order within a level


# --- For one entry, right after it is saved ---------------------------------------------------


def advice_for_episode(episode, patient) -> list[Advice]:
    found = []
    emergency = _emergency_reason(episode)
    if emergency:
        found.append(
            _with_reason(BLEEDING_EMERGENCY, f"You logged {_bleeding_that(emergency[0])}.")
        )
    if episode.severity == Severity.LIFE_THREATENING:
        found.append(
            _with_reason(BRAIN_BLEED_EMERGENCY, "You marked this bleeding as life-threatening.")
        )
    if episode.kind in LISTED_KINDS:
        found.append(_with_reason(APPOINTMENT, f"You logged {LISTED_KINDS[episode.kind]}."))
    if patient.pregnant:
        found.append(_with_reason(PREGNANCY, "You are marked as pregnant and logged bleeding."))
    return _by_level(found)


def advice_for_reading(reading, patient) -> list[Advice]:
    return _reading_advice(reading, patient, "This count")


def _reading_advice(reading, patient, subject: str) -> list[Advice]:
    """Advice for `reading`; `subject` names it in the reason ("This count", "Your latest …")."""
    found = []
    unit = _unit(patient)
    shown = f"{subject}, {reading.shown_in(unit)},"
    threshold = patient.alert_threshold
    if threshold is not None and reading.is_known_below(threshold):
        reason = f"{shown} is below the threshold your clinician set."
        found.append(threshold_advice(threshold, unit, reason))
    if patient.pregnant:
        limit, limit_text = _low_for_pregnancy(patient)
        if reading.is_known_below(limit):
            reason = f"You are marked as pregnant. {shown} is {limit_text}."
            found.append(_with_reason(PREGNANCY, reason))
    return _by_level(found)


# --- For the dashboard: what still applies now ------------------------------------------------

# How long advice about an episode stays on the dashboard, counted from when it started
# (episode.started_at) back from `now`. An episode exactly at the edge is still inside; one
# dated in the future (a clock or time-zone slip) counts as recent rather than being dropped.
#   - Emergency advice (bleeding first aid did not stop, still bleeding, or marked
#     life-threatening; the brain-bleed signs for life-threatening ones): 48 hours.
#   - "Make an appointment" for a kind the source lists: 7 days.
#   - Pregnancy advice for any bleeding: 14 days.
# Readings have no window: threshold and pregnancy advice follow the latest reading only, so a
# newer count above the line clears them, whatever its age.
EMERGENCY_WINDOW = timedelta(hours=48)
APPOINTMENT_WINDOW = timedelta(days=7)
PREGNANCY_WINDOW = timedelta(days=14)


def _within(episode, window: timedelta, now: datetime) -> bool:
    return now - episode.started_at <= window


def _live(entries) -> list:
    return [e for e in entries if getattr(e, "deleted_at", None) is None]


def _latest_reading(readings):
    def key(reading):
        drawn_at = reading.drawn_at.timestamp() if reading.drawn_at else float("-inf")
        created = reading.created_at.timestamp() if reading.created_at else float("-inf")
        return (reading.drawn_on, drawn_at, created)

    return max(readings, key=key, default=None)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _dedupe(candidates: Iterable[tuple[Advice, int]]) -> list[Advice]:
    """One advice per (level, title), keeping the reason with the highest specificity.

    On a tie the first candidate wins (callers list the newest entries first).
    """
    best: dict[tuple[Level, str], tuple[Advice, int]] = {}
    for advice, specificity in candidates:
        key = (advice.level, advice.title)
        if key not in best or specificity > best[key][1]:
            best[key] = (advice, specificity)
    return _by_level(advice for advice, _ in best.values())


def advice_for_patient(patient, recent_readings, recent_episodes, now: datetime) -> list[Advice]:
    candidates: list[tuple[Advice, int]] = []
    episodes = sorted(_live(recent_episodes), key=lambda e: e.started_at, reverse=True)

    for episode in episodes:
        if not _within(episode, EMERGENCY_WINDOW, now):
            continue
        emergency = _emergency_reason(episode)
        if emergency:
            what, specificity = emergency
            reason = f"In the last 48 hours you logged {_bleeding_that(what)}."
            candidates.append((_with_reason(BLEEDING_EMERGENCY, reason), specificity))
        if episode.severity == Severity.LIFE_THREATENING:
            reason = "In the last 48 hours you logged bleeding you marked as life-threatening."
            candidates.append((_with_reason(BRAIN_BLEED_EMERGENCY, reason), 1))

    latest = _latest_reading(_live(recent_readings))
    if latest is not None:
        # The latest count is the most specific reason for pregnancy advice: it names a number.
        for advice in _reading_advice(latest, patient, "Your latest count"):
            candidates.append((advice, 3))

    # Each kind once, the most recent first.
    kinds = list(
        dict.fromkeys(
            LISTED_KINDS[e.kind]
            for e in episodes
            if e.kind in LISTED_KINDS and _within(e, APPOINTMENT_WINDOW, now)
        )
    )
    if kinds:
        reason = f"In the last 7 days you logged {_join(kinds)}."
        candidates.append((_with_reason(APPOINTMENT, reason), len(kinds)))

    if patient.pregnant and any(_within(e, PREGNANCY_WINDOW, now) for e in episodes):
        reason = "You are marked as pregnant and logged bleeding in the last 14 days."
        candidates.append((_with_reason(PREGNANCY, reason), 2))

    return _dedupe(candidates)


# --- The "When to get help" page ----------------------------------------------------------------


@dataclass(frozen=True)
class HelpItem:
    advice: Advice
    points: tuple[str, ...] = ()  # a bulleted list shown under the text, before the source


@dataclass(frozen=True)
class HelpSection:
    id: str
    heading: str
    items: tuple[HelpItem, ...]
    notes: tuple[str, ...] = ()  # about the app itself, so with no source
    emergency: bool = False


HELP_SECTIONS = (
    HelpSection(
        "emergency",
        "Get emergency help now",
        (HelpItem(BLEEDING_EMERGENCY), HelpItem(BRAIN_BLEED_EMERGENCY)),
        emergency=True,
    ),
    HelpSection("appointment", "Make an appointment", (HelpItem(SYMPTOMS_TO_WATCH, SYMPTOM_LIST),)),
    HelpSection("pregnancy", "Pregnancy", (HelpItem(PREGNANCY),)),
    HelpSection("children-adults", "Children and adults", (HelpItem(CHILDREN_AND_ADULTS),)),
    HelpSection(
        "platelet-count",
        "What a platelet count is, and what the chart's bands mean",
        (HelpItem(PLATELETS), HelpItem(ITP_DEFINITION)),
        notes=(OWN_THRESHOLD_NOTE,),
    ),
)


def help_page_context() -> dict:
    """Everything templates/readings/help.html needs."""
    return {
        "sections": HELP_SECTIONS,
        "sources": SOURCES,
        "reviewed": min(source.reviewed for source in SOURCES),
        "disclaimer": DISCLAIMER,
    }


# --- Carrying advice to the next page -----------------------------------------------------------


def to_session(advice: Iterable[Advice]) -> list[dict]:
    """Advice as plain data, to show on the page a redirect leads to."""
    return [
        {
            "level": item.level.value,
            "title": item.title,
            "text": item.text,
            "reason": item.reason,
            "source": [item.source.name, item.source.url, item.source.reviewed.isoformat()],
        }
        for item in advice
    ]


def from_session(data: Iterable[dict]) -> list[Advice]:
    return [
        Advice(
            Level(item["level"]),
            item["title"],
            item["text"],
            Source(item["source"][0], item["source"][1], date.fromisoformat(item["source"][2])),
            item["reason"],
        )
        for item in data
    ]


def advice_for_entry(entry, patient) -> list[Advice]:
    if isinstance(entry, BleedingEpisode):
        return advice_for_episode(entry, patient)
    if isinstance(entry, PlateletReading):
        return advice_for_reading(entry, patient)
    return []


def is_emergency(advice: Iterable[Advice]) -> bool:
    return any(item.level is Level.EMERGENCY for item in advice)
