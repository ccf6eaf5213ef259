"""Doses as each ITP medicine is prescribed: its units, how it is given, and the amounts we ask
about before keeping.

The usual ranges are not dosing advice. They catch a slip (a dose 10 or 1,000 times off, mg
typed for µg) by asking "is this right?"; a confirmed amount is kept as typed and marked
(`Dose.unusual_confirmed`). Each range rests on the product label or guideline quoted in
docs/sources/dose-labels.md, widened so that any labelled dose passes.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from readings.models import PROCEDURES, DoseUnit, HowOften, Medicine, Route


@dataclass(frozen=True)
class Usual:
    """Amounts per dose that pass without a question, inclusive, in the dose's unit."""

    low: Decimal
    high: Decimal
    source: str  # the label or guideline, as in docs/sources/dose-labels.md


def _usual(low: str, high: str, source: str) -> Usual:
    return Usual(Decimal(low), Decimal(high), source)


NPLATE = "Nplate (romiplostim) label"
PROMACTA = "Promacta/Revolade (eltrombopag) label"
DOPTELET = "Doptelet (avatrombopag) label"
TAVALISSE = "Tavalisse (fostamatinib) label"
IVIG = "Privigen (immune globulin) label and the ASH 2011 guideline"
WINRHO = "WinRho SDF (anti-D) label and the International Consensus Report"
RITUXIMAB = "rituximab studies in ITP and the Rituxan label"
STEROIDS = "steroid trials in ITP and the Solu-Medrol label"

# (medicine, unit) -> the usual amount per dose. A unit not listed for a medicine is asked
# about too ("eltrombopag in mg/kg?": no ITP source doses it by weight); medicines not listed
# (other) are never questioned. Steroids cover prednisone, dexamethasone and
# methylprednisolone in one range, so a slip within it (40 mg typed as 400) goes unasked.
USUAL: dict[tuple[str, str], Usual] = {
    (Medicine.ROMIPLOSTIM, DoseUnit.UG_PER_KG): _usual("0.25", "12", NPLATE),
    (Medicine.ELTROMBOPAG, DoseUnit.MG): _usual("3", "100", PROMACTA),
    (Medicine.AVATROMBOPAG, DoseUnit.MG): _usual("5", "60", DOPTELET),
    (Medicine.FOSTAMATINIB, DoseUnit.MG): _usual("25", "300", TAVALISSE),
    (Medicine.IVIG, DoseUnit.G_PER_KG): _usual("0.1", "2", IVIG),
    (Medicine.ANTI_D, DoseUnit.UG_PER_KG): _usual("5", "100", WINRHO),
    (Medicine.RITUXIMAB, DoseUnit.MG_PER_M2): _usual("50", "500", RITUXIMAB),
    (Medicine.RITUXIMAB, DoseUnit.MG): _usual("25", "1200", RITUXIMAB),
    (Medicine.STEROIDS, DoseUnit.MG): _usual("0.5", "1000", STEROIDS),
    (Medicine.STEROIDS, DoseUnit.MG_PER_KG): _usual("0.1", "30", STEROIDS),
}

# How each medicine is given, the usual way first (offered first on a course's first dose);
# another way is asked about. Not listed (other): any way.
USUAL_ROUTES = {
    Medicine.ROMIPLOSTIM: (Route.UNDER_SKIN,),
    Medicine.ELTROMBOPAG: (Route.BY_MOUTH,),
    Medicine.AVATROMBOPAG: (Route.BY_MOUTH,),
    Medicine.FOSTAMATINIB: (Route.BY_MOUTH,),
    Medicine.IVIG: (Route.INFUSION, Route.UNDER_SKIN),
    Medicine.ANTI_D: (Route.INFUSION, Route.UNDER_SKIN),
    Medicine.RITUXIMAB: (Route.INFUSION, Route.UNDER_SKIN),
    Medicine.STEROIDS: (Route.BY_MOUTH, Route.INFUSION),
}
# How often a course's first dose is offered as given, from the labels' schedules.
USUAL_HOW_OFTEN = {
    Medicine.ROMIPLOSTIM: HowOften.WEEKLY,
    Medicine.ELTROMBOPAG: HowOften.DAILY,
    Medicine.AVATROMBOPAG: HowOften.DAILY,
    Medicine.FOSTAMATINIB: HowOften.TWICE_DAILY,
    Medicine.RITUXIMAB: HowOften.WEEKLY,
}


def units_for(medicine: str) -> list[str]:
    """The units a medicine is prescribed in, most usual first; every unit for "other"."""
    listed = [unit for (listed_medicine, unit) in USUAL if listed_medicine == medicine]
    return listed or [unit for unit in DoseUnit.values if unit != DoseUnit.NONE]


def route_for(medicine: str) -> str:
    return USUAL_ROUTES.get(medicine, (Route.BY_MOUTH,))[0]


def how_often_for(medicine: str) -> str:
    return USUAL_HOW_OFTEN.get(medicine, "")


def takes_doses(medicine: str) -> bool:
    """A splenectomy is one operation, dated by its course: it has no dose log."""
    return medicine not in PROCEDURES


class AmountError(ValueError):
    """Why typed text is not an amount, in words that end a sentence beginning with it."""


# ASCII digits, a point or a comma for decimals: what a person or a spreadsheet writes. Not
# "1e3", "1_000", "٥٠" or "５０", which Python's Decimal would read.
_AMOUNT = re.compile(r"(\d+)(?:([.,])(\d+))?", re.ASCII)


def read_amount(text: str, *, places: int, whole: int) -> Decimal:
    """An amount as typed: "3", "0.4", "2,5" (a decimal comma), "0,125". A comma before three
    digits after a whole number ("1,000") could be thousands or decimals: refused, never
    guessed. `places` and `whole`: the most digits kept after and before the point.

    Raises AmountError (what is wrong, as the end of a sentence).
    """
    found = _AMOUNT.fullmatch(text.strip())
    if found is None:
        raise AmountError("is not a number like 3 or 0.4")
    digits, mark, fraction = found.groups()
    if mark == "," and len(fraction) == 3 and digits.lstrip("0"):
        raise AmountError(
            f"could be {digits}{fraction} or {digits}.{fraction}: write {digits}{fraction} "
            f"without the comma, or {digits}.{fraction} with a point"
        )
    if len(fraction or "") > places:
        raise AmountError(f"has more than {places} digits after the point")
    if len(digits.lstrip("0")) > whole:
        raise AmountError(f"has more than {whole} digits before the point")
    return Decimal(f"{digits}.{fraction}" if fraction else digits)


def question(medicine: str, unit: str, amount: Decimal | None, route: str = "") -> str | None:
    """Why a dose is worth a second look for this medicine, in plain words: an amount outside
    its usual range or in a unit it is not prescribed in, no amount for a medicine that has
    one, or a way of giving it that it does not have. None when none of these, or the
    medicine has no usual doses (other)."""
    if medicine == Medicine.OTHER or not takes_doses(medicine):
        return None
    name = Medicine(medicine).label.split(" (")[0]
    if unit == DoseUnit.NONE:
        return f"A dose of {name} has an amount, in {_units_in_words(medicine)}."
    if (
        amount is not None
        and amount > 0
        and (words := _amount_question(name, medicine, unit, amount))
    ):
        return words
    if route and route not in USUAL_ROUTES.get(medicine, (route,)):
        given = " or ".join(Route(r).label.lower() for r in USUAL_ROUTES[medicine])
        return f"{name} is given {given}, not {Route(route).label.lower()}."
    return None


def _units_in_words(medicine: str) -> str:
    return " or ".join(DoseUnit(unit).short for unit in units_for(medicine))


def _amount_question(name: str, medicine: str, unit: str, amount: Decimal) -> str | None:
    usual = USUAL.get((medicine, unit))
    if usual is None:
        return (
            f"{name} is usually prescribed in {_units_in_words(medicine)}, "
            f"not {DoseUnit(unit).short}."
        )
    if usual.low <= amount <= usual.high:
        return None
    low, high = f"{usual.low.normalize():,f}", f"{usual.high.normalize():,f}"
    shown = f"{amount.normalize():,f} {DoseUnit(unit).short}"
    return (
        f"{shown} of {name} is outside its usual doses ({low} to {high} "
        f"{DoseUnit(unit).short} a dose, from the {usual.source})."
    )
