"""What every form of ours shares: errors in a patient's words (PlainErrors).

Fields render through Django's own templates, with our field group on top
(templates/django/forms/field.html: no label colon, a tick box beside its words).
"""

import functools
import re

import django.forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Django's own messages ("Ensure this value is greater than or equal to 0.", "Select a valid
# choice. x is not one of the available choices.") speak to programmers. These say the same
# about the field by its label; a field's own message, set where it is defined, is kept. A
# field left empty says what to enter in words of its own (PlainErrors.what_to_enter).
PLAIN_WORDS = {
    "invalid_choice": _("Choose one of the answers shown for “{label}”."),
    "invalid_list": _("Choose from the answers shown for “{label}”."),
    "max_length": _(
        "“{label}” can hold up to %(limit_value)d characters; this has %(show_value)d."
    ),
    "min_length": _(
        "“{label}” needs at least %(limit_value)d characters; this has %(show_value)d."
    ),
    "min_value": _("“{label}” cannot be below %(limit_value)s."),
    "max_value": _("“{label}” cannot be above %(limit_value)s."),
    "max_digits": _("“{label}” has too many digits."),
    "max_decimal_places": _("“{label}” has too many digits after the point."),
    "max_whole_digits": _("“{label}” has too many digits before the point."),
    "null_characters_not_allowed": _(
        "“{label}” holds a character that cannot be stored. Type it again."
    ),
}
INVALID = [
    (django.forms.EmailField, _("Enter an e-mail address, like name@example.com.")),
    (django.forms.IntegerField, _("Enter “{label}” as a whole number, like 30.")),
    (django.forms.DecimalField, _("Enter “{label}” as a number, like 30 or 2.5.")),
    (django.forms.FloatField, _("Enter “{label}” as a number, like 30 or 2.5.")),
    (django.forms.DateTimeField, _("Enter “{label}” as a date and time, like 2026-01-31 09:30.")),
    (django.forms.DateField, _("Enter “{label}” as a date, like 2026-01-31.")),
    (django.forms.TimeField, _("Enter “{label}” as a time, like 09:30.")),
]


class WholeNumberField(django.forms.IntegerField):
    """A whole number typed as digits alone. Django's IntegerField reads "2.000" as 2, its
    decimal point, where Spanish (and German, Italian …) groups thousands with a point and
    means 2000: a number with a point, comma, apostrophe or space in it is refused, never read
    one way or the other."""

    def to_python(self, value):
        if isinstance(value, str) and _MARKS.search(value.strip()):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


_MARKS = re.compile(r"[.,'’\s]")
STALE_PAGE = _("This page is out of date. Reload it, then try again.")


def use_plain_words(field: django.forms.Field, name: str) -> None:
    """Put PLAIN_WORDS on `field` wherever it still has Django's own message."""
    django_words, ours = _words_for(type(field))
    label = str(field.label or name.replace("_", " ").capitalize()).rstrip(":")
    for code, words in ours.items():
        # None: the field names no message, and its validators' own would show (a field's
        # limits, a NUL character). Else only the very object Django put there (its messages
        # are lazy translations: comparing them by value would translate each one on every
        # form of every page).
        given = field.error_messages.get(code)
        if given is None or given is django_words.get(code):
            words = words.replace("{label}", label.replace("%", "%%"))
            field.error_messages[code] = words.removesuffix(".") if "?”" in words else words


@functools.cache
def _words_for(kind: type) -> tuple[dict, dict]:
    """Django's own messages for a kind of field, and ours to put in their place. Kept per
    kind: every form on every page asks, and the answer never changes."""
    django_words = {}
    for cls in reversed(kind.__mro__):
        django_words.update(getattr(cls, "default_error_messages", {}))
    ours = dict(PLAIN_WORDS)
    ours["invalid"] = next((words for cls, words in INVALID if issubclass(kind, cls)), None)
    return django_words, {code: words for code, words in ours.items() if words}


class PlainErrors:
    """Mixed into a form: its errors in a patient's words (use_plain_words). A hidden field
    (a form's one-time token, the version being edited) is never typed, so its error means
    the page is out of date: said once, at the top of the form.

    `what_to_enter` gives each required field, by name, what it says when left empty: what to
    put there ("Enter the date of the blood test."), not only that something is missing
    (tests/itptracker/test_plain_errors.py walks every form for it)."""

    what_to_enter: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            use_plain_words(field, name)
            if name in self.what_to_enter:
                words = self.what_to_enter[name]
                # Lazy, or marked with gettext_noop (plain text, which tests and the browser
                # tests compare): either way said in the page's language.
                field.error_messages["required"] = (
                    gettext(words) if isinstance(words, str) else words
                )

    def full_clean(self):
        super().full_clean()
        if not self._errors:
            return
        hidden = [name for name in self._errors if name in self.fields and self[name].is_hidden]
        for name in hidden:
            del self._errors[name]
        if hidden:
            self.add_error(None, STALE_PAGE)


class DateInput(django.forms.DateInput):
    """The browser's date picker: it shows the phone's own date format and sends YYYY-MM-DD,
    the one format the form reads whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(django.forms.TimeInput):
    """The browser's time picker: it sends HH:MM on a 24-hour clock."""

    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")
