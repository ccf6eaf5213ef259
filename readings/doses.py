"""Doses as each ITP medicine is prescribed: its units, how it is given, and the amounts we ask
about before keeping.

The usual ranges are not dosing advice. They catch a slip (a dose 10 or 1,000 times off, mg
typed for µg) by asking "is this right?"; a confirmed amount is kept as typed and marked
(`Dose.unusual_confirmed`). Each range rests on the product label or guideline quoted in
docs/sources/dose-labels.md, widened so that any labelled dose passes.
"""

from dataclasses import dataclass
from decimal import Decimal

from readings.models import DoseUnit, Medicine, Route


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

# How each medicine is usually given, offered first on a new course's first dose.
USUAL_ROUTE = {
    Medicine.ROMIPLOSTIM: Route.UNDER_SKIN,
    Medicine.IVIG: Route.INFUSION,
    Medicine.ANTI_D: Route.INFUSION,
    Medicine.RITUXIMAB: Route.INFUSION,
}


def units_for(medicine: str) -> list[str]:
    """The units a medicine is prescribed in, most usual first; every unit for "other"."""
    listed = [unit for (listed_medicine, unit) in USUAL if listed_medicine == medicine]
    return listed or [unit for unit in DoseUnit.values if unit != DoseUnit.NONE]


def route_for(medicine: str) -> str:
    return USUAL_ROUTE.get(medicine, Route.BY_MOUTH)


def takes_doses(medicine: str) -> bool:
    """A splenectomy is one operation, dated by its course: it has no dose log."""
    return medicine != Medicine.SPLENECTOMY


def question(medicine: str, unit: str, amount: Decimal | None) -> str | None:
    """Why an amount is worth a second look for this medicine, in plain words; None when it
    is within the usual range, or the medicine has none (other)."""
    if amount is None or medicine == Medicine.OTHER or unit == DoseUnit.NONE:
        return None
    name = Medicine(medicine).label.split(" (")[0]
    shown = f"{amount.normalize():,f} {DoseUnit(unit).short}"
    usual = USUAL.get((medicine, unit))
    if usual is None:
        units = " or ".join(DoseUnit(u).short for u in units_for(medicine))
        return f"{name} is usually prescribed in {units}, not {DoseUnit(unit).short}."
    if usual.low <= amount <= usual.high:
        return None
    low, high = f"{usual.low.normalize():,f}", f"{usual.high.normalize():,f}"
    return (
        f"{shown} of {name} is outside its usual doses ({low} to {high} "
        f"{DoseUnit(unit).short} a dose, from the {usual.source})."
    )
