"""When to get help: advice for an entry, for a patient's dashboard, and for the help page.

Every sentence a person reads about when to get help is written here, once, in our own words,
and every piece of advice names the public sources it rests on (excerpts, addresses and dates
read in docs/sources/). In Spanish the same advice is written (locale/es/) from Spanish-language
sources of the same standing, which it then cites (`Advice.cited_es`, `cited_sources`; excerpts
in docs/sources/*-es.md); an English source stays cited only where no Spanish page we could read
supports the claim. The app never diagnoses and never invents a treatment threshold: a
number in advice is either the clinician's own threshold or a cited source's.

How urgent a bleed is (`bleed_level`), most urgent rule first:
1. signs of bleeding in the brain ticked → emergency (Mayo: bleeding into the brain can be
   fatal; RCH Melbourne lists the signs);
2. marked life-threatening → emergency; first aid did not stop it, or still bleeding →
   emergency (Mayo: bleeding that won't stop is a medical emergency);
3. otherwise the kind and the severity decide, as KIND_LEVELS says cell by cell.

Pure functions: no HTTP, no database queries of their own. They read attributes of the model
instances they are given (saved or not); the name of whoever logged an entry comes from its
`created_by`, which callers fetch with the entries (`EntryQuerySet.with_people`).
"""

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import translation
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.timezone import now as django_now
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from readings import stats
from readings.models import (
    BleedingEpisode,
    BleedingKind,
    FirstAid,
    PlateletReading,
    Resolution,
    Severity,
)
from readings.units import Unit, format_count, format_number


class Level(enum.Enum):
    """How urgent a piece of advice is. Declared most urgent first; results are sorted so."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    APPOINTMENT = "appointment"
    INFORMATION = "information"

    @property
    def label(self) -> str:
        return str(_LEVEL_LABELS[self])

    @property
    def rank(self) -> int:
        return list(Level).index(self)


_LEVEL_LABELS = {
    Level.EMERGENCY: _("Emergency: get help now"),
    Level.URGENT: _("Contact your care team today"),
    Level.APPOINTMENT: _("Make an appointment"),
    Level.INFORMATION: _("Good to know"),
}


@dataclass(frozen=True)
class Source:
    name: str
    url: str
    reviewed: date  # when we last checked our wording against the source
    language: str = "en"  # the language of the page, and of the wording written from it


@dataclass(frozen=True)
class Advice:
    """A piece of advice, in the active language when read: `title` and `text` are its messages
    (`title_message`, `text_message`: translatable, lazily) written in that language, and its
    sources follow the language too: the wording in each language was written from sources in
    that language, so each advice names the sources of its English (`cited`) and of its Spanish
    (`cited_es`), and `sources` gives those of the active language (`cited_sources`)."""

    level: Level
    title_message: str
    text_message: str
    cited: tuple[Source, ...]
    reason: str = ""  # why it is shown ("You logged a nosebleed."); empty on the help page
    # The bleed an emergency is about, and the endings a member may record for it
    # ((value, button label) pairs of Resolution): see `endings_for`.
    episode_id: str = ""
    endings: tuple[tuple[str, str], ...] = ()
    # The page offers the owner a link to save the care team's threshold.
    asks_for_threshold: bool = False
    # The bleed as the page showed it: an ending is recorded only to that version.
    episode_version: int = 0
    # The sources the Spanish wording was written from (docs/sources/*-es.md), English ones
    # only where no Spanish source we could read supports a claim. Empty: as in English.
    cited_es: tuple[Source, ...] = ()

    @property
    def title(self) -> str:
        return str(self.title_message)

    @property
    def text(self) -> str:
        return str(self.text_message)

    @property
    def sources(self) -> tuple[Source, ...]:
        return cited_sources(self)


def _in_spanish(language: str | None = None) -> bool:
    language = language or translation.get_language() or ""
    return language.split("-")[0].lower() == "es"


def cited_sources(advice: Advice, language: str | None = None) -> tuple[Source, ...]:
    """The sources `advice` rests on in `language` (by default the active one): in Spanish the
    sources its Spanish wording was written from, in any other language the English ones."""
    if _in_spanish(language) and advice.cited_es:
        return advice.cited_es
    return advice.cited


REVIEWED = date(2026, 11, 29)

MAYO = Source(
    "Mayo Clinic: Immune thrombocytopenia (ITP), symptoms and causes",
    "https://www.mayoclinic.org/diseases-conditions/idiopathic-thrombocytopenic-purpura/"
    "symptoms-causes/syc-20352325",
    REVIEWED,
)
ST_JUDE_BLEEDING = Source(
    "St. Jude Children's Research Hospital: Bleeding and bruising (thrombocytopenia)",
    "https://together.stjude.org/en-us/diagnosis-treatment/side-effects/"
    "bleeding-bruising-thrombocytopenia.html",
    REVIEWED,
)
ST_JUDE_ITP = Source(
    "St. Jude Children's Research Hospital: Immune thrombocytopenia (ITP)",
    "https://together.stjude.org/en-us/patient-education-resources/diseases-conditions/"
    "immune-thrombocytopenia-itp.html",
    REVIEWED,
)
RCH = Source(
    "Royal Children's Hospital Melbourne: Immune thrombocytopenic purpura (clinical guideline)",
    "http://www.rch.org.au/clinicalguide/guideline_index/Immune_Thrombocytopenic_Purpura",
    REVIEWED,
)
STANFORD = Source(
    "Stanford Health Care: Immune thrombocytopenic purpura (ITP), symptoms",
    "https://stanfordhealthcare.org/medical-conditions/cancer/immune-thrombocytopenic-purpura/"
    "itp-symptoms.html",
    REVIEWED,
)
INTERMOUNTAIN = Source(
    "Intermountain Primary Children's Hospital: Platelets",
    "http://intermountainhealthcare.org/hospitals/primarychildrens/childhealth/resources/"
    "pediatric-cancer-handbook/understanding-blood-counts/Pages/platelets.aspx",
    REVIEWED,
)
NHLBI = Source(
    "NHLBI: Thrombocythemia and thrombocytosis (archived page)",
    "https://webarchive.library.unt.edu/eot2008/20080917141935/http:/www.nhlbi.nih.gov/health/"
    "dci/Diseases/thrm/thrm_what.html",
    REVIEWED,
)
IWG = Source(
    "International Working Group: Standardization of terminology in ITP (Blood, 2009)",
    "http://ashpublications.net/blood/article-split/113/11/2386/109971/"
    "Standardization-of-terminology-definitions-and",
    date(2026, 11, 30),
)
SOURCES: tuple[Source, ...] = (
    MAYO,
    ST_JUDE_BLEEDING,
    ST_JUDE_ITP,
    RCH,
    STANFORD,
    INTERMOUNTAIN,
    NHLBI,
    IWG,
)

# The Spanish wording's sources: Spanish-language patient pages of the same standing, read on
# 30 Nov 2026 (docs/sources/*-es.md, with their excerpts). Their names stay as the pages give
# them, in Spanish.
READ_ES = date(2026, 11, 30)
MAYO_ES = Source(
    "Mayo Clinic: Trombocitopenia inmunitaria (PTI), síntomas y causas",
    "https://www.mayoclinic.org/es/diseases-conditions/idiopathic-thrombocytopenic-purpura/"
    "symptoms-causes/syc-20352325",
    READ_ES,
    "es",
)
ST_JUDE_BLEEDING_ES = Source(
    "St. Jude Children's Research Hospital (Together): Sangrado y moretones",
    "https://together.stjude.org/es-us/diagn%C3%B3stico-tratamiento/efectos-secundarios/"
    "sangrado-y-moretones.html",
    READ_ES,
    "es",
)
ST_JUDE_ITP_ES = Source(
    "St. Jude Children's Research Hospital (Together): Trombocitopenia inmunitaria (PTI)",
    "https://together.stjude.org/es-us/patient-education-resources/diseases-conditions/"
    "immune-thrombocytopenia-itp.html",
    READ_ES,
    "es",
)
CHILDRENS_WI_ES = Source(
    "Children's Wisconsin: Cuando su hijo tiene púrpura trombocitopénica inmune (PTI)",
    "https://childrenswi.org/es-es/publications/teaching-sheet/hematology/"
    "1071-when-your-child-has-itp",
    READ_ES,
    "es",
)
APHON_ES = Source(
    "APHON (Association of Pediatric Hematology/Oncology Nursing): Trombocitopenia inmunitaria",
    "https://resources.aphon.org/view/209944945/20",
    READ_ES,
    "es",
)
SEHH_GEPTI_ES = Source(
    "Directrices de la SEHH y el GEPTI (2021), según Novartis para profesionales sanitarios: "
    "Trombocitopenia inmune primaria, concepto",
    "https://www.profesionalessanitarios.novartis.es/hematohub/trombocitopenia-inmune-primaria/"
    "sobre-pti/concepto-y-epidemiologia",
    READ_ES,
    "es",
)
SOURCES_ES: tuple[Source, ...] = (
    MAYO_ES,
    ST_JUDE_BLEEDING_ES,
    ST_JUDE_ITP_ES,
    CHILDRENS_WI_ES,
    APHON_ES,
    SEHH_GEPTI_ES,
)

# The chart's reference bands, in ×10⁹/L. Definitions, never treatment thresholds.
NORMAL_RANGE = (Decimal(150), Decimal(450))  # NHLBI
ITP_DEFINITION_BELOW = Decimal(100)  # the IWG's definition of ITP; RCH Melbourne, Stanford
# St. Jude's table: "Less than 20,000 / microliter: At risk for spontaneous bleeding".
VERY_LOW_BELOW = Decimal(20)

# --- The advice, written once -------------------------------------------------------------------

# Each advice is written once in English and once in Spanish (locale/es/), the Spanish from the
# Spanish sources it cites (`cited_es`), never word for word from the English.

BLEEDING_EMERGENCY = Advice(
    Level.EMERGENCY,
    _("Bleeding that does not stop is an emergency"),
    _(
        "If bleeding keeps going after firm pressure or your usual first aid, get help now: call "
        "your local emergency number or go to the nearest emergency department."
    ),
    (MAYO,),
    cited_es=(MAYO_ES,),
)
SERIOUS_BLEED_EMERGENCY = Advice(
    Level.EMERGENCY,
    _("Life-threatening bleeding is an emergency"),
    _("Get help now: call your local emergency number or go to the nearest emergency department."),
    (MAYO,),
    cited_es=(MAYO_ES,),
)
# Bleeding into the brain "can be fatal" is read on Mayo's English page only (its Spanish page's
# complications were not in what we could read), so the Spanish cites it too.
BRAIN_BLEED_EMERGENCY = Advice(
    Level.EMERGENCY,
    _("Signs of bleeding in the brain are an emergency"),
    _(
        "Bleeding inside the head is rare with ITP, but it can kill. Any of these, above all after "
        "a knock to the head, needs emergency help now: a sudden, severe or worsening headache, "
        "being sick, unusual sleepiness or confusion, weakness or numbness, trouble speaking or "
        "seeing, unsteadiness or a seizure. Call your local emergency number."
    ),
    (MAYO, RCH, STANFORD),
    cited_es=(CHILDRENS_WI_ES, ST_JUDE_BLEEDING_ES, APHON_ES, MAYO),
)
# No Spanish page we could read says to call the care team after a knock with low platelets,
# nor that such a knock can bleed inside unseen: the Spanish cites the English sources of
# that, beside Children's Wisconsin's signs of bleeding in the head.
HEAD_INJURY_TODAY = Advice(
    Level.URGENT,
    _("A knock to the head: get checked today"),
    _(
        "With low platelets, a head injury can bleed inside even when nothing shows at first. "
        "Contact your care team today, even if all seems well. If any sign of bleeding in the "
        "brain appears (a bad headache, being sick, sleepiness or confusion, weakness, trouble "
        "speaking or seeing, a seizure), call your local emergency number at once."
    ),
    (INTERMOUNTAIN, STANFORD),
    cited_es=(CHILDRENS_WI_ES, INTERMOUNTAIN, STANFORD),
)
TELL_CARE_TEAM_TODAY = Advice(
    Level.URGENT,
    _("Tell your care team today"),
    _(
        "Some bleeding needs your care team's advice the same day: blood in vomit, urine or "
        "stools, coughing up blood, heavy bleeding, or a period much heavier than usual. Call "
        "them today. If the bleeding gets worse or will not stop, it is an emergency."
    ),
    (ST_JUDE_BLEEDING, STANFORD),
    cited_es=(ST_JUDE_BLEEDING_ES, MAYO_ES),
)
APPOINTMENT = Advice(
    Level.APPOINTMENT,
    _("Make an appointment if it worries you"),
    _(
        "If this, or anything else about the person's health, worries you, book a visit with the "
        "care team."
    ),
    (MAYO,),
    cited_es=(MAYO_ES,),
)
AFTER_EMERGENCY = Advice(
    Level.INFORMATION,
    _("After the bleeding: what to watch for"),
    _(
        "Keep watching for bleeding that starts again or will not stop, and for signs of bleeding "
        "in the brain (a bad headache, being sick, sleepiness or confusion, weakness, trouble "
        "speaking or seeing, a seizure). If any appear, get emergency help again at once."
    ),
    (MAYO, RCH),
    cited_es=(MAYO_ES, CHILDRENS_WI_ES),
)
SYMPTOMS_TO_WATCH = Advice(
    Level.APPOINTMENT,
    _("Signs to see your care team about"),
    _(
        "Book a visit with your care team if you notice any of these, or anything else that "
        "worries you, in yourself or your child:"
    ),
    (MAYO,),
    cited_es=(MAYO_ES,),
)
_SYMPTOM_LIST = (
    _("Bruising easily"),
    _("Petechiae: tiny red-purple dots, often on the lower legs, easy to mistake for a rash"),
    _("Purpura: larger purple patches under the skin"),
    _("Bleeding gums or nosebleeds"),
    _("Blood in the urine or in stool (poo)"),
    _("Periods that are much heavier than usual"),
)
# No Spanish page we could read speaks of pregnancy with ITP for patients (Mayo's Spanish page
# has it in a part the stored copy did not hold): the Spanish cites Mayo's English page.
PREGNANCY = Advice(
    Level.APPOINTMENT,
    _("Pregnancy: tell your care team"),
    _(
        "If you are pregnant and your platelet count is low or you have any bleeding, tell your "
        "care team. A low count or bleeding in pregnancy raises the chance of heavier bleeding "
        "during the birth. The baby's platelet count is checked soon after birth."
    ),
    (MAYO,),
    cited_es=(MAYO,),
)
CHILDREN_AND_ADULTS = Advice(
    Level.INFORMATION,
    _("ITP in children and in adults"),
    _(
        "In children, ITP often starts after a virus and often clears up on its own, with no "
        "treatment. In adults it tends to last longer, often for months or years."
    ),
    (MAYO,),
    cited_es=(MAYO_ES,),
)


def _range(low: Decimal, high: Decimal, unit: Unit) -> str:
    return f"{format_number(low, unit)}–{format_count(high, unit)}"


# Texts with numbers are written when shown, so that the numbers are written as the language
# writes them (format_number, format_count) and the sentence is in that language.
def _platelets_text() -> str:
    return gettext(
        "Platelets are small cells in the blood that help it clot, which stops bleeding. "
        "A normal count is %(normal)s (%(normal_per_ul)s). The chart shows this as the normal "
        "band."
    ) % {
        "normal": _range(*NORMAL_RANGE, Unit.E9_PER_L),
        "normal_per_ul": _range(*NORMAL_RANGE, Unit.PER_UL),
    }


def _itp_definition_text() -> str:
    return gettext(
        "A count below %(limit)s (%(limit_per_ul)s) is part of how ITP is defined, and the "
        "chart shows this as the ITP band. It is a definition, not a treatment threshold: it "
        "does not tell you when treatment is needed."
    ) % {
        "limit": format_count(ITP_DEFINITION_BELOW, Unit.E9_PER_L),
        "limit_per_ul": format_count(ITP_DEFINITION_BELOW, Unit.PER_UL),
    }


def _very_low_count_text() -> str:
    return gettext(
        "St. Jude lists counts below %(limit)s (%(limit_per_ul)s) as carrying a risk of "
        "bleeding without an injury. If your care team does not know about this result yet, "
        "contact them today, and ask at what count they want to hear from you. If they gave you "
        "a number, save it in the record's details: the app then compares every count with it."
    ) % {
        "limit": format_count(VERY_LOW_BELOW, Unit.E9_PER_L),
        "limit_per_ul": format_count(VERY_LOW_BELOW, Unit.PER_UL),
    }


_lazy_text = lazy(lambda write: write(), str)

PLATELETS = Advice(
    Level.INFORMATION,
    _("What a platelet count is"),
    _lazy_text(_platelets_text),
    (NHLBI,),
    cited_es=(ST_JUDE_ITP_ES,),
)
ITP_DEFINITION = Advice(
    Level.INFORMATION,
    _("The ITP band on the chart"),
    _lazy_text(_itp_definition_text),
    (IWG, RCH, STANFORD),
    cited_es=(SEHH_GEPTI_ES, APHON_ES),
)
# St. Jude's Spanish page gives the same table; its line "always consult your care team about
# results", which the advice to ask rests on, was read on the English page only.
VERY_LOW_COUNT = Advice(
    Level.URGENT,
    _("A very low count: make sure your care team knows"),
    _lazy_text(_very_low_count_text),
    (ST_JUDE_ITP,),
    asks_for_threshold=True,
    cited_es=(ST_JUDE_ITP_ES, ST_JUDE_ITP),
)
# About the app itself, not advice from a source, so it carries none.
_OWN_THRESHOLD_NOTE = _(
    "The chart draws a threshold line of your own only if your clinician gave you one and it "
    "is saved in the record's details. ITP Tracker never sets one for you."
)
_DISCLAIMER = _(
    "ITP Tracker does not replace your clinician and does not diagnose. In an emergency, call "
    "your local emergency number."
)


# The plain texts above, read as module attributes (guidance.DISCLAIMER, …), are written in the
# language active when they are read.
_PLAIN_TEXTS = {
    "OWN_THRESHOLD_NOTE": lambda: str(_OWN_THRESHOLD_NOTE),
    "DISCLAIMER": lambda: str(_DISCLAIMER),
    "SYMPTOM_LIST": lambda: tuple(str(point) for point in _SYMPTOM_LIST),
}


def __getattr__(name: str):
    if name in _PLAIN_TEXTS:
        return _PLAIN_TEXTS[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def threshold_advice(threshold: int, unit: Unit, reason: str = "") -> Advice:
    def text() -> str:
        return gettext(
            "Follow the plan your clinician gave you for counts below %(threshold)s. If you do "
            "not have one, or are not sure what to do, contact your care team today."
        ) % {"threshold": format_count(Decimal(threshold), unit)}

    return Advice(
        Level.URGENT,
        _("Below the threshold your clinician set"),
        _lazy_text(text),
        (ST_JUDE_ITP,),
        reason,
        cited_es=(ST_JUDE_ITP_ES, ST_JUDE_ITP),
    )


# --- How urgent a bleed is: the table -------------------------------------------------------------

# kind → (advice when not severe, advice when severe). Severe is "heavy bleeding, or bleeding
# that needed a doctor or hospital" (models.SEVERITY_DESCRIPTIONS). Sources, cell by cell:
# - APPOINTMENT: Mayo lists easy bruising, petechiae, purpura, bleeding gums or nose, blood in
#   urine or stools and heavy periods as symptoms to make an appointment about;
# - TELL_CARE_TEAM_TODAY: St. Jude's "tell the care team right away" list (bleeding from the
#   mouth or nose or when throwing up, red or pink urine, black or bloody stools, a heavier
#   period); Stanford lists blood in vomit, urine or stool. Blood in urine or stool goes to
#   the care team the same day even when mild: of the two sources, the more careful one wins;
# - HEAD_INJURY_TODAY: Intermountain (call the clinic after a fall while platelets are low);
# - SERIOUS_BLEED_EMERGENCY for a severe head injury: Stanford (a head injury with too few
#   platelets can be life-threatening).
KIND_LEVELS: dict[str, tuple[Advice, Advice]] = {
    BleedingKind.EASY_BRUISING: (APPOINTMENT, TELL_CARE_TEAM_TODAY),
    BleedingKind.PETECHIAE: (APPOINTMENT, TELL_CARE_TEAM_TODAY),
    BleedingKind.PURPURA: (APPOINTMENT, TELL_CARE_TEAM_TODAY),
    BleedingKind.GUMS: (APPOINTMENT, TELL_CARE_TEAM_TODAY),
    BleedingKind.NOSEBLEED: (APPOINTMENT, TELL_CARE_TEAM_TODAY),
    BleedingKind.URINE: (TELL_CARE_TEAM_TODAY, TELL_CARE_TEAM_TODAY),
    BleedingKind.STOOL: (TELL_CARE_TEAM_TODAY, TELL_CARE_TEAM_TODAY),
    BleedingKind.MENSTRUAL: (APPOINTMENT, TELL_CARE_TEAM_TODAY),
    BleedingKind.VOMIT: (TELL_CARE_TEAM_TODAY, TELL_CARE_TEAM_TODAY),
    BleedingKind.COUGH: (TELL_CARE_TEAM_TODAY, TELL_CARE_TEAM_TODAY),
    BleedingKind.HEAD_INJURY: (HEAD_INJURY_TODAY, SERIOUS_BLEED_EMERGENCY),
    BleedingKind.OTHER: (APPOINTMENT, TELL_CARE_TEAM_TODAY),
}

# What was logged, for "… logged …". "Other" says only "bleeding".
# Translators: what was logged, in "You logged …" (with an article where the language needs one).
KIND_WORDS = {
    BleedingKind.EASY_BRUISING: pgettext_lazy("logged", "easy bruising"),
    BleedingKind.PETECHIAE: pgettext_lazy("logged", "petechiae (tiny red-purple dots)"),
    BleedingKind.PURPURA: pgettext_lazy("logged", "purpura (larger purple patches)"),
    BleedingKind.GUMS: pgettext_lazy("logged", "bleeding gums"),
    BleedingKind.NOSEBLEED: pgettext_lazy("logged", "a nosebleed"),
    BleedingKind.URINE: pgettext_lazy("logged", "blood in the urine"),
    BleedingKind.STOOL: pgettext_lazy("logged", "blood in the stool"),
    BleedingKind.MENSTRUAL: pgettext_lazy("logged", "heavy menstrual bleeding"),
    BleedingKind.VOMIT: pgettext_lazy("logged", "blood in vomit"),
    BleedingKind.COUGH: pgettext_lazy("logged", "coughing up blood"),
    BleedingKind.HEAD_INJURY: pgettext_lazy("logged", "a head injury"),
    BleedingKind.OTHER: pgettext_lazy("logged", "bleeding"),
}


@dataclass(frozen=True)
class Finding:
    """Why a bleed needs advice: the advice, what it is about, how specific that is."""

    advice: Advice
    what: str  # "a nosebleed that first aid did not stop"
    specificity: int


def bleed_level(episode) -> Finding:
    """The one most urgent finding for a bleed, by the rules in the module's docstring."""
    kind = BleedingKind(episode.kind) if episode.kind in BleedingKind.values else None
    words = {"kind": KIND_WORDS.get(kind, KIND_WORDS[BleedingKind.OTHER])}
    # `what` is written in the active language: the language of the page that shows it.
    if episode.warning_signs:
        # Translators: completes "You logged …"; %(kind)s is what was logged ("a nosebleed").
        what = gettext("%(kind)s with signs of bleeding in the brain") % words
        return Finding(BRAIN_BLEED_EMERGENCY, what, 5)
    if episode.severity == Severity.LIFE_THREATENING:
        # Translators: completes "You logged …"; %(kind)s is what was logged ("a nosebleed").
        what = gettext("%(kind)s marked as life-threatening") % words
        return Finding(SERIOUS_BLEED_EMERGENCY, what, 4)
    if episode.first_aid == FirstAid.STILL_BLEEDING:
        # Translators: completes "You logged …"; %(kind)s is what was logged ("a nosebleed").
        return Finding(BLEEDING_EMERGENCY, gettext("%(kind)s that was still going on") % words, 3)
    if episode.first_aid == FirstAid.NOT_STOPPED:
        # Translators: completes "You logged …"; %(kind)s is what was logged ("a nosebleed").
        what = gettext("%(kind)s that first aid did not stop") % words
        return Finding(BLEEDING_EMERGENCY, what, 2)
    normal, severe = KIND_LEVELS.get(kind, KIND_LEVELS[BleedingKind.OTHER])
    if episode.severity == Severity.SEVERE:
        # Translators: completes "You logged …"; %(kind)s is what was logged ("a nosebleed").
        return Finding(severe, gettext("%(kind)s marked as severe") % words, 1)
    return Finding(normal, str(words["kind"]), 0)


# --- News or history ----------------------------------------------------------------------------

# An entry is news when what it records happened in the last RECENT: advice right after saving
# it, alert e-mails (from a form, an edit or an import alike), and a bleed's advice on the
# dashboard counted from when it was logged. Older entries are history: stored and charted,
# with no alarm. A week, not hours: signs of bleeding in the brain can come a day or more
# after a knock, and are often logged on the bleed of the day before.
RECENT = timedelta(days=7)


def happened_at(entry, zone) -> datetime | None:
    """When what an entry records happened: a bleed's start; a count's time, or the end of its
    day in the record's zone `zone` when it has none. None for other entries."""
    if isinstance(entry, BleedingEpisode):
        return entry.started_at
    if isinstance(entry, PlateletReading):
        return entry.drawn_at or datetime.combine(entry.drawn_on, time.max, zone)
    return None


def is_news(entry, patient, now: datetime) -> bool:
    when = happened_at(entry, patient.zone)
    return when is not None and now - when <= RECENT


# --- Closing an emergency -------------------------------------------------------------------------

ENDING_BUTTONS = {
    Resolution.STOPPED: _("The bleeding has stopped"),
    Resolution.CARE: _("We have got medical help"),
}


def possible_endings(episode) -> tuple[Resolution, ...]:
    """How a bleed's emergency can end: none unless it is an emergency; only "got medical
    help" for signs of bleeding in the brain (no one can see a bleed inside the head stop)."""
    if bleed_level(episode).advice.level is not Level.EMERGENCY:
        return ()
    if episode.warning_signs:
        return (Resolution.CARE,)
    return (Resolution.STOPPED, Resolution.CARE)


def endings_for(episode) -> tuple[Resolution, ...]:
    """What a member may record now: the possible endings of an emergency not yet closed."""
    return () if episode.resolution else possible_endings(episode)


def ending_problem(episode) -> str | None:
    """Why the ending an episode carries (an import row's, say) cannot be, or None."""
    if not episode.resolution or episode.resolution in possible_endings(episode):
        return None
    if possible_endings(episode):
        # Translators: an import row's error; "resolution" is a column name and "care" a value
        # of it in the file, so they stay as they are.
        return gettext(
            "Signs of bleeding in the brain end only with medical help (resolution care)."
        )
    # Translators: an import row's error; "resolution" is a column name in the file.
    return gettext("Only an emergency has an ending to record: leave resolution empty.")


# --- Who did it, in a reason -------------------------------------------------------------------


def who_logged(entry, viewer, mid_sentence: bool = False) -> str:
    """ "You" for the viewer's own entries ("you" mid-sentence), else the name of whoever logged
    it."""
    if viewer is None or entry.created_by_id == viewer.pk:
        if mid_sentence:
            # Translators: the reader, who logged an entry, mid-sentence: "In the last 48 hours,
            # you logged a nosebleed."
            return pgettext("who logged", "you")
        # Translators: the reader, who logged an entry: "You logged a nosebleed."
        return pgettext("who logged", "You")
    author = entry.created_by
    if author is not None and author.display_name:
        return author.display_name
    # Translators: whoever logged an entry, when the app no longer knows: "Someone logged …"
    return pgettext("who logged", "Someone")


def _unit(patient) -> Unit:
    return Unit(patient.preferred_unit)


def _low_for_pregnancy(patient) -> tuple[Decimal, bool]:
    """The count under which a pregnant patient's count is called low here, and whether it is
    the clinician's threshold.

    The clinician's threshold when there is one; otherwise the ITP definition line, which is a
    definition and not a treatment threshold (so the wording says so).
    """
    if patient.alert_threshold is not None:
        return Decimal(patient.alert_threshold), True
    return ITP_DEFINITION_BELOW, False


def _with_reason(advice: Advice, reason: str) -> Advice:
    return replace(advice, reason=reason)


def _by_level(advice: Iterable[Advice]) -> list[Advice]:
    return sorted(advice, key=lambda a: a.level.rank)  # stable: keeps the order within a level


# --- For one entry, right after it is saved ---------------------------------------------------


def advice_for_episode(episode, patient, viewer=None) -> list[Advice]:
    finding = bleed_level(episode)
    who = who_logged(episode, viewer)
    # Translators: %(who)s is "You" or a name, %(what)s what was logged ("a nosebleed").
    reason = gettext("%(who)s logged %(what)s.") % {"who": who, "what": finding.what}
    found = [_finding_advice(episode, finding, reason)]
    if patient.pregnant:
        reason = gettext("%(name)s is marked as pregnant, and bleeding was logged.") % {
            "name": patient.name
        }
        found.append(_with_reason(PREGNANCY, reason))
    return _by_level(found)


def advice_for_reading(reading, patient, viewer=None) -> list[Advice]:
    # Translators: the count just saved, at the start of a sentence ("This count, 15 ×10⁹/L, is
    # below …").
    return _reading_advice(reading, patient, gettext("This count"))


def _reading_advice(reading, patient, subject: str) -> list[Advice]:
    """Advice for `reading`; `subject` names it in the reason ("This count", "The latest …")."""
    found = []
    unit = _unit(patient)
    about = {"subject": subject, "count": reading.shown_in(unit)}
    threshold = patient.alert_threshold
    if threshold is not None and reading.is_known_below(threshold):
        reason = gettext("%(subject)s, %(count)s, is below the threshold the clinician set.")
        found.append(threshold_advice(threshold, unit, reason % about))
    elif threshold is None and reading.is_known_below(VERY_LOW_BELOW):
        reason = gettext(
            "%(subject)s, %(count)s, is below %(limit)s, and no threshold from the care team is "
            "saved."
        )
        limit = format_count(VERY_LOW_BELOW, unit)
        found.append(_with_reason(VERY_LOW_COUNT, reason % {**about, "limit": limit}))
    if patient.pregnant:
        limit, clinicians = _low_for_pregnancy(patient)
        if reading.is_known_below(limit):
            if clinicians:
                reason = gettext(
                    "%(name)s is marked as pregnant. %(subject)s, %(count)s, is below %(limit)s, "
                    "the threshold the clinician set."
                )
            else:
                reason = gettext(
                    "%(name)s is marked as pregnant. %(subject)s, %(count)s, is below %(limit)s, "
                    "the level used to define ITP."
                )
            values = {**about, "name": patient.name, "limit": format_count(limit, unit)}
            found.append(_with_reason(PREGNANCY, reason % values))
    return _by_level(found)


def advice_for_entry(entry, patient, viewer=None, now: datetime | None = None) -> list[Advice]:
    """Advice right after `entry` was saved; none for history (`is_news`)."""
    if not is_news(entry, patient, now or django_now()):
        return []
    if isinstance(entry, BleedingEpisode):
        return advice_for_episode(entry, patient, viewer)
    if isinstance(entry, PlateletReading):
        return advice_for_reading(entry, patient, viewer)
    return []


def is_emergency(advice: Iterable[Advice]) -> bool:
    return any(item.level is Level.EMERGENCY for item in advice)


# --- For the dashboard: what still applies now ------------------------------------------------

# How long advice about an episode stays on the dashboard, counted back from `now` to when it
# started; or to when its danger was logged (danger_logged_at: logged, or changed to "did not
# stop"), if that is later and it was news then (it had started within RECENT), so that a bleed
# of earlier this week logged now is shown to every member from now; or to when a member
# recorded that the emergency was over. An episode exactly at the edge is still inside; one
# dated in the future (a clock or time-zone slip) counts as recent rather than being dropped.
#   - Emergency and "today" advice: 48 hours. An emergency that a member later recorded as
#     stopped, or as seen by a doctor, shows what to watch for instead.
#   - "Make an appointment": 7 days.
#   - Pregnancy advice for any bleeding: 14 days.
# Readings have no window: count advice follows the latest reading only, so a newer count
# above the line clears it, whatever its age.
EMERGENCY_WINDOW = timedelta(hours=48)
APPOINTMENT_WINDOW = timedelta(days=7)
PREGNANCY_WINDOW = timedelta(days=14)
WINDOWS = {
    Level.EMERGENCY: EMERGENCY_WINDOW,
    Level.URGENT: EMERGENCY_WINDOW,
    Level.APPOINTMENT: APPOINTMENT_WINDOW,
    Level.INFORMATION: EMERGENCY_WINDOW,
}


def _within(episode, window: timedelta, now: datetime) -> bool:
    since = episode.started_at
    logged = episode.danger_logged_at
    if logged is not None and since < logged <= since + RECENT:  # news when it was logged
        since = logged
    if episode.resolution and episode.resolved_at and episode.resolved_at > since:
        since = episode.resolved_at  # what to watch for, from when it was over
    return now - since <= window


def _live(entries) -> list:
    return [e for e in entries if getattr(e, "deleted_at", None) is None]


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


def _episode_candidates(episode, patient, viewer, now) -> list[tuple[Advice, int]]:
    finding = bleed_level(episode)
    if not _within(episode, WINDOWS[finding.advice.level], now):
        return []
    about = {"who": who_logged(episode, viewer, mid_sentence=True), "what": finding.what}
    if finding.advice.level is Level.APPOINTMENT:
        # Translators: %(who)s is "you" or a name, %(what)s what was logged ("a nosebleed").
        reason = gettext("In the last 7 days, %(who)s logged %(what)s.") % about
    else:
        # Translators: %(who)s is "you" or a name, %(what)s what was logged ("a nosebleed").
        reason = gettext("In the last 48 hours, %(who)s logged %(what)s.") % about
    return [(_finding_advice(episode, finding, reason), finding.specificity)]


def _finding_advice(episode, finding: Finding, reason: str) -> Advice:
    """The finding's advice with its reason; for an emergency a member closed, what to watch
    for instead."""
    if finding.advice.level is Level.EMERGENCY and episode.resolution:
        ended = episode.get_resolution_display().lower()
        # Translators: %(reason)s is a whole sentence ("You logged a nosebleed."), %(ending)s
        # how the emergency ended ("the bleeding stopped").
        since = gettext("%(reason)s Since then: %(ending)s.")
        return _with_reason(AFTER_EMERGENCY, since % {"reason": reason, "ending": ended})
    return _about(episode, _with_reason(finding.advice, reason))


def _about(episode, advice: Advice) -> Advice:
    endings = endings_for(episode) if episode.pk is not None else ()
    if not endings:
        return advice
    buttons = tuple((ending.value, ENDING_BUTTONS[ending]) for ending in endings)
    return replace(
        advice, episode_id=str(episode.pk), endings=buttons, episode_version=episode.version
    )


def advice_for_patient(
    patient, recent_readings, recent_episodes, now: datetime, viewer=None
) -> list[Advice]:
    """What still applies on the dashboard: from the latest count (by stats' one order) and the
    bleeds of the last fortnight. Reasons name who logged what, as the viewer reads them."""
    candidates: list[tuple[Advice, int]] = []
    episodes = sorted(_live(recent_episodes), key=lambda e: e.started_at, reverse=True)
    for episode in episodes:
        candidates += _episode_candidates(episode, patient, viewer, now)

    ordered = stats.chronological(recent_readings)
    if ordered:
        # The latest count is the most specific reason for pregnancy advice: it names a number.
        latest = ordered[-1]
        # Translators: at the start of a sentence ("The latest count (from 29 Nov 2026), 15
        # ×10⁹/L, is below …").
        subject = gettext("The latest count (from %(date)s)") % {
            "date": date_format(latest.drawn_on, "DATE_FORMAT")
        }
        for advice in _reading_advice(latest, patient, subject):
            candidates.append((advice, 3))

    if patient.pregnant and any(_within(e, PREGNANCY_WINDOW, now) for e in episodes):
        reason = gettext(
            "%(name)s is marked as pregnant, and bleeding was logged in the last 14 days."
        ) % {"name": patient.name}
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
        _("Get emergency help now"),
        (
            HelpItem(BLEEDING_EMERGENCY),
            HelpItem(BRAIN_BLEED_EMERGENCY),
            HelpItem(SERIOUS_BLEED_EMERGENCY),
        ),
        emergency=True,
    ),
    HelpSection(
        "today",
        _("Contact your care team today"),
        (HelpItem(TELL_CARE_TEAM_TODAY), HelpItem(HEAD_INJURY_TODAY), HelpItem(VERY_LOW_COUNT)),
    ),
    HelpSection(
        "appointment", _("Make an appointment"), (HelpItem(SYMPTOMS_TO_WATCH, _SYMPTOM_LIST),)
    ),
    HelpSection("after", _("After an emergency"), (HelpItem(AFTER_EMERGENCY),)),
    HelpSection("pregnancy", _("Pregnancy"), (HelpItem(PREGNANCY),)),
    HelpSection("children-adults", _("Children and adults"), (HelpItem(CHILDREN_AND_ADULTS),)),
    HelpSection(
        "platelet-count",
        _("What a platelet count is, and what the chart's bands mean"),
        (HelpItem(PLATELETS), HelpItem(ITP_DEFINITION)),
        notes=(_OWN_THRESHOLD_NOTE,),
    ),
)


def listed_sources(language: str | None = None) -> tuple[Source, ...]:
    """The sources the help page lists in `language` (by default the active one): in English
    every source (SOURCES); in Spanish the Spanish ones, then the English ones the Spanish
    advice still cites where no Spanish source we could read supports a claim."""
    if not _in_spanish(language):
        return SOURCES
    advice = [item.advice for section in HELP_SECTIONS for item in section.items]
    advice += [finding for pair in KIND_LEVELS.values() for finding in pair]
    advice += [BLEEDING_EMERGENCY, BRAIN_BLEED_EMERGENCY, SERIOUS_BLEED_EMERGENCY]
    advice += [AFTER_EMERGENCY, PREGNANCY, VERY_LOW_COUNT, threshold_advice(0, Unit.E9_PER_L)]
    cited = {source for item in advice for source in cited_sources(item, "es")}
    return SOURCES_ES + tuple(source for source in SOURCES if source in cited)


def help_page_context() -> dict:
    """Everything templates/readings/help.html needs."""
    sources = listed_sources()
    return {
        "sections": HELP_SECTIONS,
        "sources": sources,
        "reviewed": min(source.reviewed for source in sources),
        "disclaimer": str(_DISCLAIMER),
    }


# --- Carrying advice to the next page -----------------------------------------------------------


def to_session(advice: Iterable[Advice]) -> list[dict]:
    """Advice as plain data, to show on the page a redirect leads to."""
    return [
        {
            "level": item.level.value,
            # As the active language writes them (the page after the redirect is in it too).
            "title": str(item.title),
            "text": str(item.text),
            "reason": str(item.reason),
            "sources": [[s.name, s.url, s.reviewed.isoformat(), s.language] for s in item.sources],
            "episode_id": item.episode_id,
            "endings": [[value, str(label)] for value, label in item.endings],
            "asks_for_threshold": item.asks_for_threshold,
            "episode_version": item.episode_version,
        }
        for item in advice
    ]


def _source_from_session(name: str, url: str, day: str, language: str = "en") -> Source:
    return Source(name, url, date.fromisoformat(day), language)


def from_session(data: Iterable[dict]) -> list[Advice]:
    return [
        Advice(
            Level(item["level"]),
            item["title"],
            item["text"],
            tuple(_source_from_session(*source) for source in item["sources"]),
            item["reason"],
            item.get("episode_id", ""),
            tuple(tuple(ending) for ending in item.get("endings", ())),
            item.get("asks_for_threshold", False),
            item.get("episode_version", 0),
        )
        for item in data
    ]
