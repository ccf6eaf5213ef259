"""A line of the access log can stand for several reads of the same thing (accounts/audit.py):
how many, the last one's time, and the ten-minute window they fold within. The lines already
there each stand for one read or change, last seen when they were made."""

import django.utils.timezone
from django.db import migrations, models


def last_seen_when_made(apps, schema_editor):
    access_event = apps.get_model("accounts", "AccessEvent")
    access_event.objects.update(last_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_names_are_plain_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="accessevent",
            name="last_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="accessevent",
            name="times",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="accessevent",
            name="window_start",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="accessevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("viewed_dashboard", "Viewed the dashboard"),
                    ("viewed_numbers", "Viewed the latest numbers on the dashboard"),
                    ("viewed_chart", "Viewed the dashboard chart"),
                    ("viewed_table", "Viewed the table of counts"),
                    ("viewed_history", "Viewed the history"),
                    ("viewed_entry", "Opened an entry"),
                    ("viewed_details", "Viewed the record’s details"),
                    ("viewed_access_log", "Viewed the access log"),
                    ("compared_file", "Compared a file with the history"),
                    ("exported", "Downloaded the record"),
                    ("imported", "Imported entries"),
                    ("added_entry", "Added an entry"),
                    ("edited_entry", "Changed an entry"),
                    ("deleted_entry", "Deleted an entry"),
                    ("restored_entry", "Restored an entry"),
                    ("changed_details", "Changed the record’s details"),
                    ("invited", "Invited someone"),
                    ("resent_invitation", "Sent an invitation again"),
                    ("cancelled_invitation", "Cancelled an invitation"),
                    ("joined", "Accepted an invitation"),
                    ("changed_role", "Changed someone’s access"),
                    ("removed_member", "Removed someone"),
                    ("left", "Left the record"),
                ],
                max_length=24,
            ),
        ),
        migrations.AddConstraint(
            model_name="accessevent",
            constraint=models.UniqueConstraint(
                fields=("patient", "actor", "action", "detail", "window_start"),
                name="access_event_one_line_per_window",
            ),
        ),
        migrations.RunPython(last_seen_when_made, migrations.RunPython.noop),
    ]
