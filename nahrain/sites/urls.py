from django.urls import URLPattern, path

from nahrain.sites import views

app_name = "sites"

urlpatterns: list[URLPattern] = []

# --- sites: list, dashboard, site page ----------------------------------------------------------


# --- exports and the reconciliation with DTM ---------------------------------------------------


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
