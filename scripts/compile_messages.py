"""Compile gettext catalogues (.po) into the .mo files Django reads, with polib (pure Python).

Usage: python scripts/compile_messages.py locale/es/LC_MESSAGES/django.po [...]

Fuzzy and untranslated messages are left out, so they show in English: the catalogue test
(tests/test_translations.py) fails the build on any of them.
"""

import sys
from pathlib import Path

import polib

for name in sys.argv[1:]:
    path = Path(name)
    polib.pofile(str(path)).save_as_mofile(str(path.with_suffix(".mo")))
