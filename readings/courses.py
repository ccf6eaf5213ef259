"""Treatment courses as the pages show them: each with its doses, its IWG response
(readings.responses) and the courses that ran beside it, loaded in a fixed number of queries."""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from readings import doses, responses
from readings.models import BleedingEpisode, Dose, PlateletReading, Treatment, course_dates


@dataclass
class Course:
    treatment: Treatment
    response: responses.CourseResponse
    doses: list[Dose] = field(default_factory=list)  # newest first
    beside: list[Treatment] = field(default_factory=list)  # other courses on some same day

    @property
    def response_words(self) -> str:
        return responses.in_words(self.response)

    @property
    def dates(self) -> str:
        """ "from 1 Mar 2026 to 4 Apr 2026", or "from 1 Mar 2026" while it goes on."""
        return course_dates(self.treatment)

    @property
    def latest_dose(self) -> Dose | None:
        return self.doses[0] if self.doses else None

    @property
    def takes_doses(self) -> bool:
        return doses.takes_doses(self.treatment.medicine)

    @property
    def shared_credit(self) -> str:
        """Words for a course that overlapped others: they may share the credit."""
        if not self.beside:
            return ""
        others = "; ".join(f"{other.name} {course_dates(other)}" for other in self.beside)
        # Translators: `others` are treatments with their dates: "Rituximab from 1 Mar 2026".
        return _(
            "Ran beside %(others)s: each course is judged on its own dates, so a response may "
            "be partly the other treatment's."
        ) % {"others": others}


def counted_from(treatments) -> datetime.date | None:
    """The first day whose counts and bleeds the responses of `treatments` read; None for none."""
    starts = [course.started_on for course in treatments]
    return min(starts) - responses.BASELINE_WINDOW if starts else None


def courses_for(
    patient, treatments, today: datetime.date, *, readings=None, episodes=None, everyone=None
) -> list[Course]:
    """The given courses of `patient`, in the order given, with their doses, responses and the
    live courses that overlap them (a course still running reaches `today`). Four queries, or
    fewer when the caller has loaded some of it already: `readings` and `episodes`, the
    patient's counts and bleeds from counted_from(treatments) on or more; `everyone`, all
    their live courses."""
    treatments = list(treatments)
    if not treatments:
        return []
    since = counted_from(treatments)
    if readings is None:
        readings = list(
            PlateletReading.objects.live()
            .filter(patient=patient, drawn_on__gte=since)
            .only("drawn_on", "count", "comparator", "deleted_at")
        )
    if episodes is None:
        day_start = datetime.datetime.combine(since, datetime.time.min, tzinfo=patient.zone)
        episodes = list(
            BleedingEpisode.objects.live()
            .filter(patient=patient, started_at__gte=day_start)
            .only("started_at", "deleted_at")
        )
    by_course: dict = {course.pk: [] for course in treatments}
    logged = Dose.objects.live().filter(treatment__in=treatments)
    for dose in logged.order_by("-given_on", "-created_at"):
        by_course[dose.treatment_id].append(dose)
    if everyone is None:
        everyone = list(Treatment.objects.live().filter(patient=patient))
    return [
        Course(
            course,
            responses.response_for_course(course, readings, episodes, patient.zone),
            by_course[course.pk],
            [other for other in everyone if _overlap(course, other, today)],
        )
        for course in treatments
    ]


def _overlap(one: Treatment, other: Treatment, today: datetime.date) -> bool:
    if one.pk == other.pk:
        return False
    return one.started_on <= (other.ended_on or today) and other.started_on <= (
        one.ended_on or today
    )
