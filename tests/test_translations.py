"""The Spanish catalogue is complete: every message the code marks has a translation, none is
fuzzy, and each keeps the placeholders of its English (a missing or renamed placeholder would
fail or show the wrong value at run time)."""

import re
import shutil

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

LOCALE = settings.BASE_DIR / "locale"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))
# Where the messages are: what makemessages reads.
CODE = ("accounts", "readings", "itptracker", "templates")
# Python's %(name)s / %s / %d, str.format's {name}, and the {{ name }} of blocktranslate.
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfi]|%[sdfi]|\{\w*\}|\{\{\s*\w+\s*\}\}")


def placeholders(text: str) -> tuple[str, ...]:
    return tuple(sorted(match.group(0) for match in PLACEHOLDER.finditer(text)))


def test_there_is_a_spanish_catalogue():
    assert LOCALE / "es" / "LC_MESSAGES" / "django.po" in CATALOGUES


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(LOCALE)))
def test_every_message_is_translated_with_the_same_placeholders(path):
    problems = []
    for entry in polib.pofile(str(path)):
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        # A plural's singular may leave out the number ("one entry"); the plural keeps them all.
        english = {placeholders(entry.msgid), placeholders(entry.msgid_plural or entry.msgid)}
        for text in translations:
            if not text.strip():
                problems.append(f"not translated: {entry.msgid!r}")
            elif placeholders(text) not in english:
                problems.append(f"placeholders differ: {entry.msgid!r} -> {text!r}")
    assert problems == []


def test_the_catalogue_holds_every_message_the_code_marks(tmp_path, settings, monkeypatch):
    """makemessages over the code into an empty locale/: its messages must all be in ours.

    It runs in a directory of links to the code, since makemessages writes beside the
    locale/ found under the directory it runs in, and ours must stay as it is.
    """
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext (xgettext) is needed: `make test` installs it on Debian.")
    for name in CODE:
        (tmp_path / name).symlink_to(settings.BASE_DIR / name)
    (tmp_path / "locale" / "es" / "LC_MESSAGES").mkdir(parents=True)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["es"], symlinks=True, verbosity=0)
    fresh_catalogues = sorted(tmp_path.glob("locale/es/LC_MESSAGES/*.po"))
    assert fresh_catalogues, "makemessages wrote nothing"
    for fresh in fresh_catalogues:
        ours = polib.pofile(str(LOCALE / fresh.relative_to(tmp_path / "locale")))
        known = {(e.msgctxt, e.msgid) for e in ours if not e.obsolete}
        missing = [e.msgid for e in polib.pofile(str(fresh)) if (e.msgctxt, e.msgid) not in known]
        assert missing == [], f"run `make messages` and translate: {missing[:10]}"
