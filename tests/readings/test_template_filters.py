"""Filters of readings/templatetags/readings.py that shape what the page says or links to."""

import re

from hypothesis import given
from hypothesis import strategies as st

from readings.templatetags.readings import tel_href

# What the record's details accept as the care team's number (PatientForm).
PHONE_NUMBERS = st.from_regex(r"\+?[0-9 ()./-]{3,40}", fullmatch=True)


@given(PHONE_NUMBERS)
def test_a_phone_link_dials_the_digits_shown_and_nothing_else(phone):
    href = tel_href(phone)
    assert re.fullmatch(r"tel:\+?[0-9]*", href), href  # a valid tel: address (RFC 3966)
    assert href.removeprefix("tel:").lstrip("+") == re.sub(r"\D", "", phone)
    assert href.startswith("tel:+") == phone.startswith("+")
