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

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from readings.models import PROCEDURES, DoseUnit, HowOften, Medicine, Route


@dataclass(frozen=True)
class Usual:
    """Amounts per dose that pass without a question, inclusive, in the dose's unit."""

    low: Decimal
    high: Decimal
    source: str  # the label or guideline, as in docs/sources/dose-labels.md


def _usual(low: str, high: str, source: str) -> Usual:
    return Usual(Decimal(low), Decimal(high), source)


# Translators: the sources of the usual doses, said after "from the" in a message about an
# unusual dose ("… a dose, from the Nplate (romiplostim) label."): a product's label is its
# prescribing information (in Spanish, its "ficha técnica").
NPLATE = gettext_lazy("Nplate (romiplostim) label")
PROMACTA = gettext_lazy("Promacta/Revolade (eltrombopag) label")
DOPTELET = gettext_lazy("Doptelet (avatrombopag) label")
TAVALISSE = gettext_lazy("Tavalisse (fostamatinib) label")
IVIG = gettext_lazy("Privigen (immune globulin) label and the ASH 2011 guideline")
WINRHO = gettext_lazy("WinRho SDF (anti-D) label and the International Consensus Report")
RITUXIMAB = gettext_lazy("rituximab studies in ITP and the Rituxan label")
STEROIDS = gettext_lazy("steroid trials in ITP and the Solu-Medrol label")

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
    # Translators: each AmountError message ends a sentence that begins with what was typed:
    # "“abc” is not a number like 3 or 0.4."
    found = _AMOUNT.fullmatch(text.strip())
    if found is None:
        raise AmountError(_("is not a number like 3 or 0.4"))
    digits, mark, fraction = found.groups()
    if mark == "," and len(fraction) == 3 and digits.lstrip("0"):
        raise AmountError(
            # Translators: "“1,000” could be 1000 or 1.000: write 1000 without the comma, or
            # 1.000 with a point."
            _(
                "could be %(whole)s or %(decimal)s: write %(whole)s without the comma, or "
                "%(decimal)s with a point"
            )
            % {"whole": f"{digits}{fraction}", "decimal": f"{digits}.{fraction}"}
        )
    if len(fraction or "") > places:
        raise AmountError(_("has more than %(places)s digits after the point") % {"places": places})
    if len(digits.lstrip("0")) > whole:
        raise AmountError(_("has more than %(whole)s digits before the point") % {"whole": whole})
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
        return _("A dose of %(medicine)s has an amount, in %(units)s.") % {
            "medicine": name,
            "units": _units_in_words(medicine),
        }
    if (
        amount is not None
        and amount > 0
        and (words := _amount_question(name, medicine, unit, amount))
    ):
        return words
    if route and route not in USUAL_ROUTES.get(medicine, (route,)):
        given = _either(Route(r).label.lower() for r in USUAL_ROUTES[medicine])
        # Translators: `given` and `route` are ways of giving it, in lower case: "Romiplostim is
        # given injection under the skin, not by mouth."
        return _("%(medicine)s is given %(given)s, not %(route)s.") % {
            "medicine": name,
            "given": given,
            "route": Route(route).label.lower(),
        }
    return None


def _either(words) -> str:
    """ "a or b or c"."""
    words = list(words)
    said = words[0]
    for word in words[1:]:
        said = _("%(first)s or %(second)s") % {"first": said, "second": word}
    return said


def _units_in_words(medicine: str) -> str:
    return _either(DoseUnit(unit).short for unit in units_for(medicine))


def _amount_question(name: str, medicine: str, unit: str, amount: Decimal) -> str | None:
    usual = USUAL.get((medicine, unit))
    if usual is None:
        return _("%(medicine)s is usually prescribed in %(units)s, not %(unit)s.") % {
            "medicine": name,
            "units": _units_in_words(medicine),
            "unit": DoseUnit(unit).short,
        }
    if usual.low <= amount <= usual.high:
        return None
    low, high = _number(usual.low), _number(usual.high)
    shown = f"{_number(amount)} {DoseUnit(unit).short}"
    return _(
        "%(dose)s of %(medicine)s is outside its usual doses (%(low)s to %(high)s %(unit)s a "
        "dose, from the %(source)s)."
    ) % {
        "dose": shown,
        "medicine": name,
        "low": low,
        "high": high,
        "unit": DoseUnit(unit).short,
        "source": usual.source,
    }


def _number(amount: Decimal) -> str:
    """ "1,000", "0.25" (in Spanish "1.000", "0,25")."""
    return formats.number_format(amount.normalize(), force_grouping=True)
