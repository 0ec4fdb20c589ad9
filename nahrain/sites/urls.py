from django.urls import URLPattern, path

from nahrain.sites import views

app_name = "sites"

urlpatterns: list[URLPattern] = []

# --- sites: list, dashboard, site page ----------------------------------------------------------


# --- exports and the reconciliation with DTM ---------------------------------------------------

urlpatterns += [
    path("export.<str:format>/", views.export, name="export"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
]


# --- shelters, movements, closures --------------------------------------------------------------


# --- monitoring, gaps, risk ----------------------------------------------------------------------
