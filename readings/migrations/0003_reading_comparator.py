"""A count's comparator ("<", "<=", ">=", ">") replaces the yes/no "below detection" flag:
results like ">1000" and "≤5" keep what the lab meant, and "<10" stays "<"."""

from django.db import migrations, models


def below_to_comparator(apps, schema_editor):
    reading = apps.get_model("readings", "PlateletReading")
    reading.objects.filter(below_detection=True).update(comparator="<")


def comparator_to_below(apps, schema_editor):
    reading = apps.get_model("readings", "PlateletReading")
    reading.objects.filter(comparator__in=["<", "<="]).update(below_detection=True)


class Migration(migrations.Migration):
    dependencies = [("readings", "0002_indexes_for_pages")]

    operations = [
        migrations.AddField(
            model_name="plateletreading",
            name="comparator",
            field=models.CharField(
                blank=True,
                choices=[("", "="), ("<", "<"), ("<=", "≤"), (">=", "≥"), (">", ">")],
                max_length=2,
                default="",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(below_to_comparator, comparator_to_below),
        migrations.RemoveConstraint(
            model_name="plateletreading", name="reading_below_detection_has_limit"
        ),
        migrations.RemoveField(model_name="plateletreading", name="below_detection"),
        migrations.AddConstraint(
            model_name="plateletreading",
            constraint=models.CheckConstraint(
                condition=models.Q(comparator__in=["", "<", "<=", ">=", ">"]),
                name="reading_comparator_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="plateletreading",
            constraint=models.CheckConstraint(
                condition=models.Q(comparator="") | models.Q(count__gt=0),
                name="reading_limit_above_zero",
            ),
        ),
    ]
