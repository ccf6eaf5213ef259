import unicodedata

from django.core.exceptions import ValidationError


class MaximumLengthValidator:
    """Long passphrases are welcome, up to a bound that keeps hashing cheap to attack-proof."""

    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"Your password can be at most {self.max_length} characters long.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Your password can be up to {self.max_length} characters long."


# Characters that are never part of a name but change how the text around them is shown:
# bidirectional controls (Unicode TR #9; "Trojan Source", CVE-2021-42574) reorder what a
# reader sees, so that "Sam" can read as someone else's name in a list, an e-mail or a log;
# other invisible format and control characters hide or split text the same way.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def validate_plain_name(value: str) -> None:
    """Refuse a name holding bidirectional controls or other invisible control characters
    (Unicode categories Cc and Cf, bar the zero-width joiners some scripts need)."""
    if any(
        char in BIDI_CONTROLS
        or unicodedata.category(char) == "Cc"
        or (unicodedata.category(char) == "Cf" and char not in "\u200c\u200d")
        for char in value
    ):
        raise ValidationError(
            "This name holds an invisible character that changes how text is shown. "
            "Type it again with letters, spaces and punctuation only.",
            code="invisible_character",
        )
