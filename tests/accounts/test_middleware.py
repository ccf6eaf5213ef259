"""A request's time zone ends with the request."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "Pacific/Kiritimati", "America/New_York"])
def test_a_request_leaves_no_time_zone_behind(client, zone):
    client.force_login(make_user(time_zone=zone))
    response = client.get(reverse("account"))
    assert response.status_code == 200
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE
