"""The app in Spanish, as a Spanish-speaking parent uses it: every main page in Spanish with
no English left in `main` (names, units and sources' names aside), valid, axe-clean, with
`lang="es"`; the switch at the foot of the page; a count typed with a decimal comma."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from readings.models import PlateletReading
from tests.e2e.conftest import log_in
from tests.factories import (
    PASSWORD,
    make_episode,
    make_patient,
    make_reading,
    make_treatment,
    make_user,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Words of English that are not also Spanish: one of them in a Spanish page is a string left
# untranslated ("a", "no", "total", "normal", "control" are words of both, as are "ago", a
# month, and "note", a verb).
ENGLISH = frozenset(
    re.findall(
        r"\w+",
        """
        the and your you with from this that will have has for of to is are be it an on at by
        count counts bleed bleeds bleeding treatment treatments dose doses save saved when what
        here there been was were which who how add new see more less than get help log logged
        record records entry entries page report share sharing account settings edit delete
        show shown today yesterday days day week weeks month months year years since latest
        lowest first last none nothing yet about after before between every each only also
        other into out up down back next previous change changed keep kept send sent download
        bring file choose chosen pick time times date dates number name email password sign
        signed reminder reminders history dashboard care team clinician threshold emergency
        nosebleed bruising petechiae blood test lab notes started ended stopped given
        """,
    )
)
# What may stay in English in a Spanish page: names and marks that are not words to translate.
ALLOWED = {"ITP", "Tracker"}

# The words a person reads or hears in `main`: its text, and the names and hints of its
# controls. Names are left out: what is marked as another language (lang="en"), the titles of
# the works cited (<cite>, such as "APHON (Association of … Nursing): Trombocitopenia
# inmunitaria") and the names of time zones (places).
WORDS_SHOWN = """() => {
  const main = document.querySelector("main");
  const spanish = (node) => {
    const marked = node.closest("[lang]");
    const name = node.closest("cite, select[name=time_zone]");
    return (!marked || marked.lang.startsWith("es")) && !name;
  };
  const texts = [];
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (spanish(parent) && !parent.closest("script, style, template")) {
      texts.push(walker.currentNode.textContent);
    }
  }
  for (const el of main.querySelectorAll("[aria-label], [placeholder], [title], [alt]")) {
    if (!spanish(el)) continue;
    for (const name of ["aria-label", "placeholder", "title", "alt"]) {
      if (el.hasAttribute(name)) texts.push(el.getAttribute(name));
    }
  }
  return texts.join(" \\n ");
}"""


def english_left(page) -> list[str]:
    words = re.findall(r"\b[^\W\d_]+\b", page.evaluate(WORDS_SHOWN))
    return sorted({w for w in words if w.lower() in ENGLISH and w not in ALLOWED})


def a_spanish_family():
    """Lucía (the parent, her account in Spanish) and her son Mateo's record with a little of
    everything: counts, a bleed, a treatment. Their own words are in Spanish."""
    parent = make_user("lucia@example.com", "Lucía", language="es", time_zone="Europe/Madrid")
    mateo = make_patient(parent, name="Mateo", time_zone="Europe/Madrid", birth_year=2018)
    today = timezone.localdate()
    for days, count in [(40, "22"), (20, "35.5"), (3, "48")]:
        make_reading(mateo, count, today - datetime.timedelta(days=days), user=parent)
    make_episode(mateo, "nosebleed", user=parent, severity="mild", note="Se paró sola")
    make_treatment(mateo, "Prednisona", today - datetime.timedelta(days=10), user=parent)
    return parent, mateo


def test_a_spanish_speaking_parent_finds_every_page_in_spanish(live_server, page, audit):
    parent, mateo = a_spanish_family()
    page.goto(f"{live_server.url}/login/")
    # A visitor with an English browser switches at the foot of the page.
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert english_left(page) == []
    audit()
    log_in_es(page, live_server, "lucia@example.com")
    record = f"{live_server.url}/p/{mateo.pk}"
    pages = [
        f"{record}/",
        f"{record}/history/",
        f"{record}/history/?show=treatments",
        f"{record}/counts/new/",
        f"{record}/bleeds/new/",
        f"{record}/treatments/new/",
        f"{record}/doses/new/",
        f"{record}/report/",
        f"{record}/reminders/",
        f"{record}/reminders/new/",
        f"{record}/sharing/",
        f"{record}/sharing/invite/",
        f"{record}/access-log/",
        f"{record}/settings/",
        f"{record}/export/",
        f"{record}/import/",
        f"{live_server.url}/account/",
        f"{live_server.url}/help/",
        f"{live_server.url}/account/two-factor/",
    ]
    for url in pages:
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", "es")
        assert english_left(page) == [], url
        audit()


def log_in_es(page, live_server, email):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()


def test_a_count_typed_with_a_decimal_comma_is_saved_exactly(live_server, page):
    parent, mateo = a_spanish_family()
    log_in(page, live_server, "lucia@example.com")
    page.goto(f"{live_server.url}/p/{mateo.pk}/counts/new/")
    page.get_by_label(re.compile("Recuento", re.I)).first.fill("45,5")
    page.get_by_role("button", name=re.compile("Guardar", re.I)).click()
    expect(page.get_by_text("45,5 ×10⁹/L").first).to_be_visible()
    assert PlateletReading.objects.filter(patient=mateo, count=Decimal("45.5")).exists()
