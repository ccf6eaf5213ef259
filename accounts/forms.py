import datetime
import re
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import dates, invitations, mfa
from accounts.models import (
    CareMembership,
    Patient,
    Role,
    User,
    language_for,
    normalise_email,
)
from accounts.validators import validate_plain_name
from itptracker.forms import DateInput, PlainErrors, WholeNumberField

TIME_ZONE_CHOICES = [
    (name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())
]
# What a field left empty says, where two forms ask the same (PlainErrors.what_to_enter).
YOUR_NAME = _("Enter your name, as the people who share a record with you will see it.")
YOUR_TIME_ZONE = _("Choose the time zone where you live.")
YOUR_PASSWORD = _("Enter your password.")
NEW_PASSWORD = {
    "new_password1": _("Choose a new password of at least 8 characters."),
    "new_password2": _("Type the new password again, the same way."),
}


class LoginForm(PlainErrors, AuthenticationForm):
    what_to_enter = {
        "username": _("Enter the e-mail address you signed up with."),
        "password": YOUR_PASSWORD,
    }
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    remember = forms.BooleanField(
        help_text=_("Only on a phone or computer that is yours alone."), required=False
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "That e-mail address and password do not match an account, or the address is not "
            "confirmed yet (open the link we e-mailed you). Check them and try again."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hours = settings.SESSION_REMEMBER_AGE // 3600
        days = hours // 24
        if days > 1:
            label = ngettext(
                "Stay signed in on this device for %(count)d day",
                "Stay signed in on this device for %(count)d days",
                days,
            ) % {"count": days}
        elif hours > 1:
            label = ngettext(
                "Stay signed in on this device for %(count)d hour",
                "Stay signed in on this device for %(count)d hours",
                hours,
            ) % {"count": hours}
        else:
            label = _("Stay signed in on this device for an hour")
        self.fields["remember"].label = label


MISMATCH = _("The two passwords are not the same. Type them again.")
THRESHOLD_RANGE = _("Enter a number between 1 and 2,000 ×10⁹/L.")
# The record of a child surely younger than this (by the year of birth: born this year or in
# the 9 before it) is not asked whether they are pregnant: no one that young needs the
# question, and a parent should not meet it. The field and the advice stay for everyone else.
YOUNGEST_ASKED_IF_PREGNANT = 10


class SignupForm(PlainErrors, UserCreationForm):
    error_messages = {"password_mismatch": MISMATCH}
    what_to_enter = {
        "email": _("Enter your e-mail address, like name@example.com: we send it a link."),
        "display_name": YOUR_NAME,
        "time_zone": YOUR_TIME_ZONE,
        "password1": _("Choose a password of at least 8 characters."),
        "password2": _("Type the password again, the same way."),
        "tracks": _("Choose whose platelet counts you will keep."),
    }
    MYSELF = "myself"
    CHILD = "child"
    NOBODY = "nobody"  # only offered to someone arriving from an invitation

    tracks = forms.ChoiceField(
        label=_("Whose platelet counts will you track?"),
        choices=[(MYSELF, _("My own")), (CHILD, _("My child’s"))],
        widget=forms.RadioSelect,
        initial=MYSELF,
    )
    child_name = forms.CharField(
        label=_("Your child’s first name"),
        max_length=100,
        required=False,
        help_text=_("Only if you track your child’s counts."),
        validators=[validate_plain_name],
    )
    time_zone = forms.ChoiceField(
        label=_("Your time zone"),
        choices=TIME_ZONE_CHOICES,
        initial=settings.TIME_ZONE,
        help_text=_("Dates and times are shown in this time zone."),
    )

    # Not the model's field: whether an address has an account is not the form's to say
    # (see save_new), so its uniqueness is not checked here.
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta:
        model = User
        fields = ("display_name", "time_zone", "language")
        labels = {"display_name": _("Your name")}
        widgets = {"display_name": forms.TextInput(attrs={"autocomplete": "name"})}

    field_order = ("email", "display_name", "time_zone", "password1", "password2")

    def __init__(self, *args, invited_email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if invited_email:
            # Invited to someone else's record: a record of their own is optional.
            self.fields["email"].initial = invited_email
            tracks = self.fields["tracks"]
            tracks.choices = [
                (self.NOBODY, _("Only the record I was invited to")),
                (self.MYSELF, _("My own as well")),
                (self.CHILD, _("My child’s as well")),
            ]
            tracks.initial = self.NOBODY
            tracks.help_text = _("You can add a record of your own later, too.")
        # time-zone.js preselects the browser's zone, but never over the user's own choice.
        attrs = self.fields["time_zone"].widget.attrs
        attrs["data-detect-time-zone"] = ""
        if self.is_bound:
            attrs["data-user-chosen"] = "true"

    def clean_email(self):
        # On the instance now: the password checks compare the password with it.
        self.instance.email = normalise_email(self.cleaned_data["email"])
        return self.instance.email

    def save_new(self) -> tuple[User, bool] | None:
        """(account, is new) for the address typed, or None when it has a confirmed account.

        A new account cannot log in until its address is confirmed (is_active, set by
        accounts.verification): otherwise anyone could hold an address they do not read, and
        logging in after signing up would tell whether an address was taken. An unconfirmed
        account of the same address takes this password instead, so whoever made it first
        cannot keep it from the address's owner, who alone gets the link. Each way costs one
        password hash, so that the time of the answer tells nothing either.
        """
        email = self.cleaned_data["email"]
        existing = User.objects.filter(email=email).first()
        if existing is not None and existing.is_active:
            make_password(self.cleaned_data["password1"])
            return None
        if existing is not None:
            existing.set_password(self.cleaned_data["password1"])
            existing.save(update_fields=["password"])
            return existing, False
        try:
            with transaction.atomic():
                user = self.save(commit=False)
                user.is_active = False
                user.save()
        except IntegrityError:  # the same address signed up at the same moment
            return None
        return user, True

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("tracks") == self.CHILD and not cleaned.get("child_name", "").strip():
            self.add_error("child_name", _("Enter your child’s first name."))
        return cleaned

    def patient_name(self) -> str | None:
        """The name of the user's own first record, or None when they only follow others'."""
        if self.cleaned_data["tracks"] == self.NOBODY:
            return None
        if self.cleaned_data["tracks"] == self.CHILD:
            return self.cleaned_data["child_name"].strip()
        return self.cleaned_data["display_name"]


class AccountForm(PlainErrors, forms.ModelForm):
    what_to_enter = {"display_name": YOUR_NAME, "time_zone": YOUR_TIME_ZONE}
    time_zone = forms.ChoiceField(label=_("Your time zone"), choices=TIME_ZONE_CHOICES)
    language = forms.ChoiceField(
        label=_("Language of the pages and e-mails"),
        choices=[("", _("As my browser asks")), *settings.LANGUAGES],
        required=False,
    )

    class Meta:
        model = User
        fields = ("display_name", "time_zone", "language")
        labels = {"display_name": _("Your name")}


class PatientForm(PlainErrors, forms.ModelForm):
    what_to_enter = {
        "name": _("Enter the name of the person whose counts this record keeps, like Sam."),
        "preferred_unit": _("Choose how platelet counts are shown."),
    }
    time_zone = forms.ChoiceField(
        label=_("Time zone where they live"),
        choices=TIME_ZONE_CHOICES,
        required=False,  # left out: the record keeps its zone (a new one, its owner's)
        help_text=_(
            "Every date and time in the record is this place's, for everyone who sees it. "
            "On a change you choose what becomes of the times already logged."
        ),
    )

    def __init__(self, *args, earliest_entry: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.earliest_entry = earliest_entry
        # The field's own limits say the same as clean_birth_year, in the same words.
        year = self.fields["birth_year"]
        year.widget.attrs.update(min=dates.EARLIEST_DATE.year, max=self.instance.today().year)
        year.error_messages["min_value"] = self.instance.birth_year_problem(-1)
        # The database's own limits on the field say the record's rule, in its words.
        threshold = self.fields["alert_threshold"].error_messages
        threshold["min_value"] = threshold["max_value"] = THRESHOLD_RANGE
        # A tick already saved is shown all the same: hidden, it would shape the advice unseen.
        if not self.instance.pregnant and self.surely_younger_than(YOUNGEST_ASKED_IF_PREGNANT):
            del self.fields["pregnant"]

    def surely_younger_than(self, age: int, born: int | None = None) -> bool:
        """Whether the year of birth (on record, or `born` as typed) says the person is
        younger than `age` today."""
        born = self.instance.birth_year if born is None else born
        return born is not None and self.instance.today().year - born < age

    def clean(self):
        cleaned = super().clean()
        # The year typed in the same form counts too: a young child's record is never marked
        # pregnant (it would bring the pregnancy advice).
        born = cleaned.get("birth_year")
        if cleaned.get("pregnant") and self.surely_younger_than(YOUNGEST_ASKED_IF_PREGNANT, born):
            self.add_error(
                "pregnant",
                _("The year of birth says %(name)s is under %(age)d: untick “Currently pregnant”.")
                % {
                    "name": cleaned.get("name") or _("this person"),
                    "age": YOUNGEST_ASKED_IF_PREGNANT,
                },
            )
        return cleaned

    class Meta:
        model = Patient
        fields = (
            "name",
            "birth_year",
            "diagnosis_date",
            "preferred_unit",
            "alert_threshold",
            "care_team_phone",
            "pregnant",
            "time_zone",  # last: on the details page the question about logged times follows
        )
        field_classes = {"birth_year": WholeNumberField, "alert_threshold": WholeNumberField}
        labels = {
            "name": _("Name"),
            "birth_year": _("Year of birth"),
            "diagnosis_date": _("Date of ITP diagnosis"),
            "preferred_unit": _("Show platelet counts as"),
            "alert_threshold": _("Alert threshold from your clinician (×10⁹/L)"),
            "care_team_phone": _("Care team phone number"),
            "pregnant": _("Currently pregnant"),
        }
        help_texts = {
            "birth_year": _("Optional."),
            "diagnosis_date": _("Optional. Used to tell how long the ITP has lasted."),
            "alert_threshold": _(
                "Optional. Only a number your clinician gave you; the app never sets one itself."
            ),
            "care_team_phone": _(
                "Optional. Shown next to urgent advice, for example your clinic's number."
            ),
        }
        widgets = {
            "diagnosis_date": DateInput(),
            "preferred_unit": forms.RadioSelect,
            "birth_year": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "alert_threshold": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "care_team_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }

    def clean_birth_year(self):
        # Checked here too, before the database's own limit on the number says it less kindly.
        year = self.cleaned_data.get("birth_year")
        if year is not None and (problem := self.instance.birth_year_problem(year)):
            raise forms.ValidationError(problem)
        first = self.earliest_entry
        if year is not None and first is not None and year > first.year:
            raise forms.ValidationError(
                _(
                    "The record has entries from %(year)d (%(date)s): the year of birth cannot "
                    "be after that. Correct those entries first if they are wrong."
                )
                % {"year": first.year, "date": dates.short_date(first)}
            )
        return year

    def clean_time_zone(self):
        return self.cleaned_data.get("time_zone") or self.instance.time_zone

    def clean_care_team_phone(self):
        phone = self.cleaned_data.get("care_team_phone", "").strip()
        if phone and not re.fullmatch(r"\+?[0-9 ()./-]{3,40}", phone):
            raise forms.ValidationError(
                _("Enter a phone number using digits, spaces and + ( ) - only.")
            )
        return phone

    def clean_alert_threshold(self):
        value = self.cleaned_data.get("alert_threshold")
        if value is not None and not 1 <= value <= 2000:
            raise forms.ValidationError(THRESHOLD_RANGE)
        return value


class InviteForm(PlainErrors, forms.Form):
    what_to_enter = {
        "email": _("Enter the e-mail address of the person you invite."),
        "role": _("Choose what they can do."),
    }
    email = forms.EmailField(
        label=_("Their e-mail address"),
        help_text=_("We send them a link that works once, for 7 days."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("What can they do?"),
        choices=[
            (Role.VIEWER, _("Can view: the dashboard, chart, history and advice, and download it")),
            (Role.EDITOR, _("Can log: all of that, and add, change or delete entries")),
        ],
        initial=Role.VIEWER,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient

    def clean_email(self):
        email = normalise_email(self.cleaned_data["email"])
        members = CareMembership.objects.filter(patient=self.patient, user__email__iexact=email)
        if members.exists():
            raise forms.ValidationError(
                _("%(email)s already has access to %(name)s’s record.")
                % {"email": email, "name": self.patient.name}
            )
        others = invitations.open_invitations(self.patient).exclude(email__iexact=email)
        if others.count() >= invitations.MAX_OPEN_INVITATIONS:
            raise forms.ValidationError(
                _("There are already many invitations waiting. Cancel some before sending more.")
            )
        return email

    def cleaned_role(self) -> Role:
        return Role(self.cleaned_data["role"])


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)

    def cleaned_role(self) -> Role:
        return Role(self.cleaned_data["role"])


class AlertsForm(forms.ModelForm):
    class Meta:
        model = CareMembership
        fields = ("notify_emergency", "notify_low_count")
        labels = {
            "notify_emergency": _(
                "Someone logs a bleed that needs help now: first aid did not stop it, it is "
                "still going on, it is marked life-threatening, or there are signs of bleeding "
                "in the brain"
            ),
            "notify_low_count": _("Someone logs a count below the threshold the clinician set"),
        }


class CodeForm(PlainErrors, forms.Form):
    what_to_enter = {
        "code": _("Enter the 6-digit code your authenticator app shows, or a recovery code."),
    }
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("6 digits from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PasswordCheckForm(PlainErrors, forms.Form):
    """Asks for the user's password again before something that cannot be undone."""

    what_to_enter = {"password": YOUR_PASSWORD}

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password


class DeleteAccountForm(PasswordCheckForm):
    """The password, and a code too when two-factor sign-in is on."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        if not mfa.has_two_factor(user):
            del self.fields["code"]

    def clean_code(self):
        code = self.cleaned_data.get("code", "")
        if mfa.verify(self.user, code) is None:
            raise forms.ValidationError(_("That code is not right."))
        return code


# --- Django's password forms, in our words -----------------------------------------------------


class PasswordResetForm(PlainErrors, auth_forms.PasswordResetForm):
    what_to_enter = {"email": _("Enter the e-mail address of your account.")}

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        """The e-mail in its reader's language: the account's own, else the page's."""
        with translation.override(language_for(context["user"])):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class SetPasswordForm(PlainErrors, auth_forms.SetPasswordForm):
    error_messages = {"password_mismatch": MISMATCH}
    what_to_enter = NEW_PASSWORD


class PasswordChangeForm(PlainErrors, auth_forms.PasswordChangeForm):
    error_messages = {
        "password_mismatch": MISMATCH,
        "password_incorrect": _("That is not your current password. Type it again."),
    }
    what_to_enter = {"old_password": _("Enter the password you use now."), **NEW_PASSWORD}
