from django.urls import URLPattern, path

from nahrain.sites import views

app_name = "sites"

urlpatterns: list[URLPattern] = []

# --- sites: list, dashboard, site page ----------------------------------------------------------


# --- exports and the reconciliation with DTM ---------------------------------------------------


# --- shelters, movements, closures --------------------------------------------------------------


# --- monitoring, gaps, risk ----------------------------------------------------------------------
urlpatterns += [
    path("<uuid:site_uid>/monitoring/new/", views.monitoring_new, name="monitoring_new"),
    path("monitoring/<uuid:round_uid>/", views.monitoring_detail, name="monitoring"),
    path("<uuid:site_uid>/gaps/new/", views.gap_new, name="gap_new"),
    path("gaps/<uuid:gap_uid>/", views.gap_detail, name="gap"),
    path("gaps/", views.gap_list, name="gaps"),
    path("<uuid:site_uid>/risk/new/", views.risk_new, name="risk_new"),
    path("risk/", views.risk_ranking, name="risk_ranking"),
]
