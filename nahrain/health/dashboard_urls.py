"""The health figures' pages and downloads, included under the ``health`` namespace by the
app's ``urls.py`` (``path("", include("nahrain.health.dashboard_urls"))``)."""

from __future__ import annotations

from django.urls import path

from nahrain.health import dashboard_views as views

urlpatterns = [
    path("figures/consultations/", views.dashboard, name="dashboard_consultations"),
    path("figures/epicurve/", views.epicurve, name="epicurve"),
    path("figures/completeness/", views.completeness, name="completeness"),
    path("figures/ewarn-hxl.csv", views.export_ewarn_hxl, name="export_ewarn_hxl"),
    path(
        "figures/consultations-hxl.csv",
        views.export_consultations_hxl,
        name="export_consultations_hxl",
    ),
    path("figures/ewarn-dhis2/", views.export_ewarn_dhis2, name="export_ewarn_dhis2"),
    path(
        "figures/consultations-dhis2/",
        views.export_consultations_dhis2,
        name="export_consultations_dhis2",
    ),
]
