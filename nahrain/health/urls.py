"""Pages of health facilities, report entry and alerts, under health/ (namespace ``health``).
The dashboards, epidemic curves, completeness pages and exports add their own patterns
(``dashboard_urls``) to this list."""

from django.urls import URLPattern, URLResolver, include, path

from nahrain.health import views

app_name = "health"

urlpatterns: list[URLPattern | URLResolver] = [
    path("facilities/", views.facility_list, name="facilities"),
    path("facilities/new/", views.facility_new, name="facility_new"),
    path("facilities/<uuid:facility_uid>/", views.facility, name="facility"),
    path("facilities/<uuid:facility_uid>/edit/", views.facility_edit, name="facility_edit"),
    path(
        "facilities/<uuid:facility_uid>/catchment/",
        views.facility_catchment,
        name="facility_catchment",
    ),
    path("report/", views.report_home, name="report"),
    path("facilities/<uuid:facility_uid>/ewarn/", views.ewarn_report, name="ewarn"),
    path("facilities/<uuid:facility_uid>/immediate/", views.immediate_report, name="immediate"),
    path(
        "facilities/<uuid:facility_uid>/consultations/",
        views.consultation_report,
        name="consultations",
    ),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<uuid:alert_uid>/", views.alert, name="alert"),
    path("alerts/<uuid:alert_uid>/step/", views.alert_step, name="alert_step"),
    # Epidemic curves, completeness and timeliness, consultations, and their exports.
    path("", include("nahrain.health.dashboard_urls")),
]
