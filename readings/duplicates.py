"""The same result logged twice: one rule, for the entry forms and for the import.

Two entries are the same result when:
- counts: the same date, the same count and comparator, and no different times (equal, or at
  least one without a time) — two caregivers copying one lab report;
- bleeds: the same kind, severity, first-aid answer, signs of bleeding in the brain and
  recorded ending, starting within BLEED_WINDOW of each other — two people logging one
  nosebleed, each at the moment they heard of it. A bleed that says more about the danger (it
  did not stop after all, a headache came on, it started again after it had stopped) is news,
  never a duplicate;
- treatments: the same medicine (or the same name, for "other") starting on the same day;
- doses: the same course, day, amount and unit.

A form asks before saving the same result again ("Already logged by Sam on 2 Nov: save
another?"); an import skips such rows and lists them in its preview.
"""

import bisect
import datetime
from collections import defaultdict
from collections.abc import Iterable

BLEED_WINDOW = datetime.timedelta(minutes=30)

# The fields each rule reads, as values() names.
FIELDS = {
    "counts": ("drawn_on", "count", "comparator", "drawn_at"),
    "bleeds": ("kind", "severity", "first_aid", "warning_signs", "resolution", "started_at"),
    "treatments": ("medicine", "other_name", "started_on"),
    "doses": ("treatment_id", "given_on", "amount", "unit"),
}


def _key(slug: str, values: dict) -> tuple:
    """What must be equal; the rule's finer test (times, the bleed window) comes after."""
    if slug == "counts":
        return (values["drawn_on"], values["count"], values["comparator"])
    if slug == "bleeds":
        signs = tuple(sorted(set(values["warning_signs"] or ())))
        return (
            values["kind"],
            values["severity"],
            values["first_aid"],
            signs,
            values["resolution"],
        )
    if slug == "doses":
        return (values["treatment_id"], values["given_on"], values["amount"], values["unit"])
    return (values["medicine"], values["other_name"].strip().casefold(), values["started_on"])


def same_result(slug: str, one: dict, other: dict) -> bool:
    """Whether two entries' values (FIELDS) are the same result logged twice."""
    if _key(slug, one) != _key(slug, other):
        return False
    if slug == "counts":
        times = (one["drawn_at"], other["drawn_at"])
        return None in times or times[0] == times[1]
    if slug == "bleeds":
        return abs(one["started_at"] - other["started_at"]) <= BLEED_WINDOW
    return True


class Found:
    """Entries of one kind, each with something to say about it (`what`), to look results up in.

    Lookups cost a dict access (and, for bleeds, a bisection), whatever the number of entries.
    """

    def __init__(self, slug: str, entries: Iterable[tuple[dict, object]] = ()):
        self.slug = slug
        self._by_key: dict[tuple, list[tuple]] = defaultdict(list)
        for values, what in entries:
            self.add(values, what)

    def add(self, values: dict, what) -> None:
        group = self._by_key[_key(self.slug, values)]
        if self.slug == "bleeds":
            bisect.insort(group, (values["started_at"], id(what), values, what))
        else:
            group.append((None, id(what), values, what))

    def find(self, values: dict):
        """The `what` of an entry that is the same result as `values`, or None. Where several
        are, one whose `what` is true (a live entry, say) comes first."""
        group = self._by_key.get(_key(self.slug, values), [])
        if self.slug == "bleeds":
            start = values["started_at"] - BLEED_WINDOW
            group = group[bisect.bisect_left(group, (start,)) :]
        found = None
        for *_, other, what in group:
            if self.slug == "bleeds" and other["started_at"] > values["started_at"] + BLEED_WINDOW:
                break
            if same_result(self.slug, values, other):
                if what:
                    return what
                found = what if found is None else found
        return found


def candidates(model, patient, slug: str, values: dict):
    """The record's live entries that could be the same result as `values`: a small query."""
    rows = model.objects.live().filter(patient=patient)
    if slug == "counts":
        return rows.filter(
            drawn_on=values["drawn_on"], count=values["count"], comparator=values["comparator"]
        )
    if slug == "bleeds":
        started = values["started_at"]
        return rows.filter(
            kind=values["kind"],
            started_at__gte=started - BLEED_WINDOW,
            started_at__lte=started + BLEED_WINDOW,
        )
    if slug == "doses":
        return rows.filter(treatment_id=values["treatment_id"], given_on=values["given_on"])
    return rows.filter(medicine=values["medicine"], started_on=values["started_on"])


def first_same_result(model, patient, slug: str, values: dict):
    """A live entry of the record that is the same result as `values`, or None."""
    for entry in candidates(model, patient, slug, values).select_related("created_by"):
        other = {name: getattr(entry, name) for name in FIELDS[slug]}
        if same_result(slug, values, other):
            return entry
    return None
