import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import CareMembership, User
from readings.management.commands.seed_demo import DEMO_EMAIL, DEMO_PASSWORD
from readings.models import BleedingEpisode, PlateletReading, Treatment
from tests.clock import pinned

pytestmark = [pytest.mark.django_db, pinned]


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_the_demo_account_gets_a_year_of_data_and_prints_its_login():
    output = seed()
    assert f"Demo login: {DEMO_EMAIL} / password: {DEMO_PASSWORD}" in output
    user = User.objects.get(email=DEMO_EMAIL)
    assert user.check_password(DEMO_PASSWORD)
    patient = CareMembership.objects.get(user=user).patient
    dates = sorted(
        PlateletReading.objects.filter(patient=patient).values_list("drawn_on", flat=True)
    )
    assert timezone.localdate() - dates[0] >= datetime.timedelta(days=360)
    assert len(dates) >= 30
    assert BleedingEpisode.objects.filter(patient=patient).count() >= 5
    assert Treatment.objects.filter(patient=patient, ended_on__isnull=True).count() == 1


def test_running_it_again_changes_nothing():
    seed()
    counts = (
        User.objects.count(),
        PlateletReading.objects.count(),
        BleedingEpisode.objects.count(),
    )
    output = seed()
    assert "Created" not in output
    assert counts == (
        User.objects.count(),
        PlateletReading.objects.count(),
        BleedingEpisode.objects.count(),
    )
