from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import forms, sessions, sharing, two_factor, views

patient = "p/<uuid:patient_id>/"
invitation = f"{patient}sharing/invitations/<uuid:invitation_id>/"
member = f"{patient}sharing/members/<int:membership_id>/"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("account/confirm/<str:token>/", views.verify_email, name="verify_email"),
    path("account/confirm-again/", views.resend_verification, name="resend_verification"),
    path("login/", two_factor.login, name="login"),
    path("login/code/", two_factor.login_code, name="login_code"),
    path("logout/", sessions.LogOut.as_view(), name="logout"),
    path("account/", views.account, name="account"),
    path("language/", views.choose_language, name="choose_language"),
    path("account/log-out-everywhere/", views.log_out_everywhere, name="log_out_everywhere"),
    path("account/two-factor/", two_factor.two_factor, name="two_factor"),
    path("account/two-factor/recovery-codes/", two_factor.recovery_codes, name="recovery_codes"),
    path("account/two-factor/off/", two_factor.two_factor_off, name="two_factor_off"),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(form_class=forms.PasswordChangeForm),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password-reset/", views.PasswordReset.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=forms.SetPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("patients/new/", views.add_patient, name="add_patient"),
    # Sharing: members, invitations, alerts and the access log (accounts/sharing.py).
    path(f"{patient}sharing/", sharing.sharing, name="sharing"),
    path(f"{patient}sharing/invite/", sharing.invite, name="sharing_invite"),
    path(f"{invitation}resend/", sharing.invitation_resend, name="invitation_resend"),
    path(f"{invitation}cancel/", sharing.invitation_cancel, name="invitation_cancel"),
    path(f"{member}role/", sharing.member_role, name="member_role"),
    path(f"{member}remove/", sharing.member_remove, name="member_remove"),
    path(f"{patient}sharing/leave/", sharing.leave, name="sharing_leave"),
    path(f"{patient}sharing/alerts/", sharing.alerts, name="sharing_alerts"),
    path(f"{patient}access-log/", sharing.access_log, name="access_log"),
    # The link in the invitation e-mail, and where it continues without the token.
    path("invitations/accept/", sharing.invitation_accept, name="invitation_accept"),
    path("invitations/<str:token>/", sharing.invitation, name="invitation"),
]
