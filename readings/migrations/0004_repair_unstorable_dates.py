"""Rows stored before dates were bounded: a date or time that cannot be read back (year 0 from
a time zone ahead of UTC, year 10000 from one behind) made the whole record fail to open.
Such values move to the nearest date the rules allow, the old one kept in the note
(accounts.dates.repair_unstorable). `manage.py check_dates` does the same at any time."""

from django.db import migrations

from accounts.dates import repair_unstorable

FIELDS = {
    "PlateletReading": ("drawn_on", "drawn_at"),
    "BleedingEpisode": ("started_at",),
    "Treatment": ("started_on", "ended_on"),
}


def repair(apps, schema_editor):
    for name, fields in FIELDS.items():
        for line in repair_unstorable(apps.get_model("readings", name), fields, "note"):
            print(f"\n  {line}", end="")


class Migration(migrations.Migration):
    dependencies = [
        ("readings", "0003_reading_comparator"),
        ("accounts", "0006_record_time_zone"),
    ]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
