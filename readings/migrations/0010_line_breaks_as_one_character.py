from django.db import migrations
from django.db.models import F, Value
from django.db.models.functions import Replace

# The text that a form or an import stores with its line breaks as LF only
# (readings.models.lf_line_breaks); what was stored before comes into line, so that the same
# note compares equal to itself when a file brings it back.
TEXT_FIELDS = {
    "PlateletReading": ("entered_text", "lab", "note"),
    "BleedingEpisode": ("body_site", "note"),
    "Treatment": ("other_name", "dose", "note"),
}


def lf_line_breaks(apps, schema_editor):
    for model_name, names in TEXT_FIELDS.items():
        model = apps.get_model("readings", model_name)
        for name in names:
            model.objects.filter(**{f"{name}__contains": "\r"}).update(
                **{name: Replace(Replace(F(name), Value("\r\n"), Value("\n")), Value("\r"), Value("\n"))}
            )


class Migration(migrations.Migration):
    dependencies = [
        ("readings", "0009_when_a_bleeds_danger_was_logged"),
    ]

    operations = [migrations.RunPython(lf_line_breaks, migrations.RunPython.noop)]
