import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MaximumLengthValidator:
    """Long passphrases are welcome, up to a bound that keeps hashing cheap to attack-proof."""

    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "Your password can be at most %(count)d character long.",
                    "Your password can be at most %(count)d characters long.",
                    self.max_length,
                )
                % {"count": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return ngettext(
            "Your password can be up to %(count)d character long.",
            "Your password can be up to %(count)d characters long.",
            self.max_length,
        ) % {"count": self.max_length}


# Characters that are never part of a name but change how the text around them is shown:
# bidirectional controls (Unicode TR #9; "Trojan Source", CVE-2021-42574) reorder what a
# reader sees, so that "Sam" can read as someone else's name in a list, an e-mail or a log;
# other invisible characters (format and control characters, line and paragraph separators,
# blank "letters" such as the Hangul filler) hide or split a name the same way.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
# Unicode's default-ignorable code points (DerivedCoreProperties.txt) that are not format
# characters: invisible marks such as the grapheme joiner, variation selectors and Khmer's
# inherent vowels, which make "Sam" a different string that looks the same.
IGNORABLE_RANGES = (
    (0x034F, 0x034F),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0xFE00, 0xFE0F),
    (0xE0100, 0xE01EF),
)
JOINERS = frozenset("\u200c\u200d")  # some scripts need them, between two letters
MAX_MARKS = 3  # combining marks on one letter: Vietnamese needs two; more only stack up


def _hidden(value: str, index: int) -> bool:
    char = value[index]
    if char in JOINERS:
        between = 0 < index < len(value) - 1
        return not (between and value[index - 1].isalpha() and value[index + 1].isalpha())
    code = ord(char)
    return (
        char in BIDI_CONTROLS
        or char in BLANK_LETTERS
        or unicodedata.category(char) in HIDDEN_CATEGORIES
        or any(low <= code <= high for low, high in IGNORABLE_RANGES)
    )


def invisible_characters(value: str) -> bool:
    """True if `value` holds a character that hides or reorders text (see above)."""
    return any(_hidden(value, index) for index in range(len(value)))


def validate_plain_name(value: str) -> None:
    """Refuse a name that shows something other than it is: with a character that hides or
    reorders text, with no visible letter or digit, or with marks stacked on one letter."""
    marks = 0
    for char in value:
        marks = marks + 1 if unicodedata.category(char) in ("Mn", "Me") else 0
        if marks > MAX_MARKS:
            break
    visible = any(
        unicodedata.category(char)[0] in "LN" for char in value if char not in BLANK_LETTERS
    )
    if invisible_characters(value) or marks > MAX_MARKS or not visible:
        raise ValidationError(
            _(
                "This name holds an invisible character that changes how text is shown. "
                "Type it again with letters, spaces and punctuation only."
            ),
            code="invisible_character",
        )
