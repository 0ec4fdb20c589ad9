from django.urls import URLPattern, path

from nahrain.sites import views

app_name = "sites"

urlpatterns: list[URLPattern] = []

# --- sites: list, dashboard, site page ----------------------------------------------------------

urlpatterns += [
    path("", views.dashboard, name="dashboard"),
    path("map/sites.json", views.map_data, name="map_data"),
    path("list/", views.site_list, name="list"),
    path("new/", views.site_new, name="site_new"),
    path("<uuid:site_uid>/", views.site_detail, name="site"),
    path("<uuid:site_uid>/edit/", views.site_edit, name="site_edit"),
    path("<uuid:site_uid>/status/", views.site_status, name="site_status"),
]


# --- exports and the reconciliation with DTM ---------------------------------------------------

urlpatterns += [
    path("export.<str:format>/", views.export, name="export"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
]


# --- shelters, movements, closures --------------------------------------------------------------

urlpatterns += [
    path("<uuid:site_uid>/movements/new/", views.movement_new, name="movement_new"),
    path("<uuid:site_uid>/transfers/new/", views.transfer_new, name="transfer_new"),
    path("<uuid:site_uid>/population/new/", views.population_new, name="population_new"),
    path("<uuid:site_uid>/shelters/", views.units, name="units"),
    path("<uuid:site_uid>/closures/new/", views.closure_new, name="closure_new"),
    path("closures/<uuid:closure_uid>/", views.closure, name="closure"),
]


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
