from django.urls import path

from readings import views

patient = "p/<uuid:patient_id>/"
entry = f"{patient}<slug:kind>/<uuid:entry_id>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.when_to_get_help, name="help"),
    path(patient, views.dashboard, name="dashboard"),
    path(f"{patient}history/", views.history, name="history"),
    path(f"{patient}<slug:kind>/new/", views.entry_add, name="entry_add"),
    path(f"{entry}edit/", views.entry_edit, name="entry_edit"),
    path(f"{entry}delete/", views.entry_delete, name="entry_delete"),
    path(f"{entry}restore/", views.entry_restore, name="entry_restore"),
]
