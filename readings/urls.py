from django.urls import path

from readings import pwa, record_details, reminder_views, takeout, transfer_views, views

patient = "p/<uuid:patient_id>/"
entry = f"{patient}<slug:kind>/<uuid:entry_id>/"
reminder = f"{patient}reminders/<uuid:reminder_id>/"
pending_import = f"{patient}import/<slug:token>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.when_to_get_help, name="help"),
    # The installable app (readings.pwa): the worker's scope is the whole site.
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", pwa.manifest, name="web_manifest"),
    path("offline/", pwa.offline, name="offline"),
    path("account/my-data.zip", takeout.download_my_data, name="download_my_data"),
    path("account/delete/", takeout.delete_account, name="delete_account"),
    path(patient, views.dashboard, name="dashboard"),
    path(f"{patient}history/", views.history, name="history"),
    path(f"{patient}report/", views.care_team_report, name="care_team_report"),
    path(
        f"{patient}report/printed/",
        views.care_team_report_printed,
        name="care_team_report_printed",
    ),
    path(f"{patient}settings/", record_details.patient_settings, name="patient_settings"),
    # Reminders (readings/reminder_views.py), and a person's devices for them.
    path(f"{patient}reminders/", reminder_views.reminder_list, name="reminders"),
    path(f"{patient}reminders/new/", reminder_views.reminder_add, name="reminder_add"),
    path(f"{reminder}edit/", reminder_views.reminder_edit, name="reminder_edit"),
    path(f"{reminder}snooze/", reminder_views.reminder_snooze, name="reminder_snooze"),
    path(f"{reminder}stop/", reminder_views.reminder_stop, name="reminder_stop"),
    path(f"{reminder}mine/", reminder_views.reminder_choice, name="reminder_choice"),
    path("account/push/", reminder_views.push_subscribe, name="push_subscribe"),
    path("account/push/remove/", reminder_views.push_unsubscribe, name="push_unsubscribe"),
    path(f"{patient}<slug:kind>/new/", views.entry_add, name="entry_add"),
    path(f"{entry}edit/", views.entry_edit, name="entry_edit"),
    path(f"{entry}delete/", views.entry_delete, name="entry_delete"),
    path(f"{entry}restore/", views.entry_restore, name="entry_restore"),
    path(f"{patient}bleeds/<uuid:entry_id>/ended/", views.episode_resolve, name="episode_resolve"),
    # Export and import (CSV)
    path(f"{patient}export/", transfer_views.export_history, name="export_history"),
    path(f"{patient}import/", transfer_views.import_history, name="import_history"),
    path(pending_import, transfer_views.import_preview, name="import_preview"),
    path(f"{pending_import}confirm/", transfer_views.import_confirm, name="import_confirm"),
    path(f"{pending_import}cancel/", transfer_views.import_cancel, name="import_cancel"),
]
