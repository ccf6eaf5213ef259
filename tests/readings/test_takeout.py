import csv
import io
import zipfile
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import audit
from accounts.invitations import invite
from accounts.models import AccessEvent, Invitation, Patient, Role, User
from readings import sheets, takeout
from readings.entries import KINDS
from readings.exports import Selection
from readings.models import BleedingEpisode, PlateletReading
from tests.clock import NOW, pinned
from tests.conftest import CANARY
from tests.factories import (
    PASSWORD,
    make_episode,
    make_patient,
    make_reading,
    make_treatment,
)

pytestmark = [pytest.mark.django_db, pinned]

ALL = Selection(tuple(KINDS))


@pytest.fixture
def leaving(cast):
    """The owner: sole owner of "Solo", co-owner of Sam (with the editor, made an owner)."""
    solo = make_patient(cast.owner, name="Solo")
    make_reading(solo, "45", user=cast.owner, note="=HYPERLINK()")
    make_episode(solo, user=cast.owner)
    make_treatment(solo, user=cast.owner)
    make_reading(cast.patient, "60", user=cast.owner, note="Sam's count")
    cast.patient.memberships.filter(user=cast.editor).update(role=Role.OWNER)
    invite(cast.patient, "friend@example.com", Role.VIEWER, cast.owner)
    invite(solo, "other@example.com", Role.VIEWER, cast.owner)
    invite(cast.strangers_patient, cast.owner.email, Role.VIEWER, cast.stranger)
    audit.record(cast.owner, cast.patient, audit.VIEWED_DASHBOARD)
    TOTPDevice.objects.create(user=cast.owner, name="app", confirmed=True)
    return cast, solo


def references(model: type[models.Model], target: type[models.Model], pk) -> int:
    """How many rows of `model` point at the row `pk` of `target`, through any foreign key."""
    total = 0
    for field in model._meta.get_fields():
        if field.is_relation and field.many_to_one and field.related_model is target:
            total += model._default_manager.filter(**{field.name: pk}).count()
    return total


def test_deleting_an_account_leaves_nothing_of_it_behind(leaving):
    cast, solo = leaving
    owner_pk, owner_name = cast.owner.pk, cast.owner.display_name
    assert takeout.delete_account_of(cast.owner) == ["Solo"]
    for model in apps.get_models():
        assert references(model, User, owner_pk) == 0, model
        assert references(model, Patient, solo.pk) == 0, model
    assert not User.objects.filter(pk=owner_pk).exists()
    assert not Patient.objects.filter(pk=solo.pk).exists()
    assert not Invitation.objects.filter(email__iexact="owner@example.com").exists()
    assert not AccessEvent.objects.filter(actor_name=owner_name).exists()


def test_records_with_other_owners_stay_with_their_entries(leaving):
    cast, _ = leaving
    takeout.delete_account_of(cast.owner)
    sam = Patient.objects.get(pk=cast.patient.pk)
    assert list(sam.memberships.filter(role=Role.OWNER).values_list("user", flat=True)) == [
        cast.editor.pk
    ]
    reading = PlateletReading.objects.get(patient=sam, note="Sam's count")
    assert reading.created_by is None
    assert AccessEvent.objects.filter(patient=sam, actor_name=takeout.DELETED_ACTOR).exists()
    assert Patient.objects.filter(pk=cast.strangers_patient.pk).exists()


def test_the_zip_holds_every_owned_record_and_a_readme(leaving):
    cast, solo = leaving
    cast.owner.time_zone = "Pacific/Kiritimati"  # already tomorrow: its own clock, not UTC's
    cast.owner.save()
    archive = zipfile.ZipFile(io.BytesIO(takeout.build_zip(cast.owner)))
    names = set(archive.namelist())
    assert {"README.txt", "account.csv"} <= names
    for patient in (cast.patient, solo):
        folder = takeout._folder(patient)
        for file in [
            "record.csv",
            "history.csv",
            "counts.csv",
            "bleeds.csv",
            "treatments.csv",
            "doses.csv",
            "members.csv",
            "invitations.csv",
            "access_log.csv",
        ]:
            assert f"{folder}/{file}" in names
    solo_history = archive.read(f"{takeout._folder(solo)}/history.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(solo_history)))
    assert sorted(row["kind"] for row in rows) == ["bleed", "count", "treatment"]
    assert "'=HYPERLINK()" in solo_history
    # The same entries to read in a spreadsheet, in the record's own zone, escaped alike.
    solo_counts = archive.read(f"{takeout._folder(solo)}/counts.csv").decode("utf-8-sig")
    assert solo_counts.startswith(f"Date,Time ({solo.time_zone_label}),Result,")
    assert solo_counts == "".join(sheets.sheet_lines(solo, "counts", ALL, solo.zone))[1:]
    assert "'=HYPERLINK()" in solo_counts
    readme = archive.read("README.txt").decode()
    assert "counts.csv, bleeds.csv, treatments.csv, doses.csv" in readme
    members = archive.read(f"{takeout._folder(cast.patient)}/members.csv").decode("utf-8-sig")
    assert "viewer@example.com" in members
    log = archive.read(f"{takeout._folder(cast.patient)}/access_log.csv").decode("utf-8-sig")
    [line] = csv.DictReader(io.StringIO(log))
    assert (line["what"], line["times"]) == ("viewed_dashboard", "1")
    assert line["last"] == line["when"]
    # Every file dated alike, at the time the ZIP was made on the owner's clock.
    owner_now = NOW.astimezone(ZoneInfo("Pacific/Kiritimati"))
    assert {info.date_time for info in archive.infolist()} == {owner_now.timetuple()[:6]}
    everything = b"".join(archive.read(name) for name in names).decode("utf-8-sig", "replace")
    assert CANARY not in everything
    assert "friend@example.com" in everything


def test_delete_view_needs_the_password_and_the_code(client, leaving):
    cast, solo = leaving
    client.force_login(cast.owner)
    page = client.get(reverse("delete_account")).content.decode()
    assert "Solo" in page and "stay with them" in page
    response = client.post(reverse("delete_account"), {"password": PASSWORD, "code": "000000"})
    assert response.status_code == 200
    assert User.objects.filter(pk=cast.owner.pk).exists()
    TOTPDevice.objects.filter(user=cast.owner).delete()
    response = client.post(reverse("delete_account"), {"password": "wrong"})
    assert "That is not your password." in response.content.decode()
    response = client.post(reverse("delete_account"), {"password": PASSWORD}, follow=True)
    assert (
        "Your account is deleted. The records of Solo are deleted too." in response.content.decode()
    )
    assert not User.objects.filter(pk=cast.owner.pk).exists()
    assert not BleedingEpisode.objects.filter(patient_id=solo.pk).exists()


def test_download_view_is_a_zip_and_is_logged(client, leaving):
    cast, solo = leaving
    client.force_login(cast.owner)
    response = client.get(reverse("download_my_data"))
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="itp-tracker-')
    assert zipfile.ZipFile(io.BytesIO(response.content)).testzip() is None
    assert AccessEvent.objects.filter(patient=solo, action=audit.EXPORTED).exists()


def test_a_user_who_owns_nothing_gets_a_zip_with_their_account(client, cast):
    client.force_login(cast.viewer)
    archive = zipfile.ZipFile(io.BytesIO(client.get(reverse("download_my_data")).content))
    assert sorted(archive.namelist()) == ["README.txt", "account.csv"]
    assert "Sam" not in archive.read("account.csv").decode("utf-8-sig")
