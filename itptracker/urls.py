from django.urls import include, path

from itptracker.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("", include("readings.urls")),
]
