from django.urls import path

from readings import views

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.when_to_get_help, name="help"),
    path("p/<uuid:patient_id>/", views.dashboard, name="dashboard"),
]
