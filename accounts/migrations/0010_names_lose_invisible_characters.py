import unicodedata

from django.db import migrations

# As accounts.validators defined them when names began to be checked: characters that hide or
# reorder text. Names saved before the check lose them, so that no page shows them again.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
JOINERS = frozenset("\u200c\u200d")
NAMES = [
    ("User", "display_name", "A member"),
    ("Patient", "name", "Record"),
    ("AccessEvent", "actor_name", "A member"),
    ("Notification", "actor_name", "A member"),
]


def visible(text: str) -> str:
    return "".join(
        char
        for char in text
        if char not in BIDI_CONTROLS
        and char not in BLANK_LETTERS
        and (unicodedata.category(char) not in HIDDEN_CATEGORIES or char in JOINERS)
    ).strip()


def clean_names(apps, schema_editor):
    for model_name, field, stand_in in NAMES:
        model = apps.get_model("accounts", model_name)
        for pk, name in model.objects.values_list("pk", field).iterator():
            cleaned = visible(name)
            if not any(unicodedata.category(char)[0] in "LN" for char in cleaned):
                cleaned = stand_in
            if cleaned != name:
                model.objects.filter(pk=pk).update(**{field: cleaned})


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_access_log_folds_repeated_reads"),
    ]

    operations = [migrations.RunPython(clean_names, migrations.RunPython.noop)]
