"""The figures pages' URL patterns, added to the registry's (``registry:figures``,
``registry:figures_export``)."""

from django.urls import URLPattern, path

from nahrain.registry import figures_views

urlpatterns: list[URLPattern] = [
    path("figures/", figures_views.figures, name="figures"),
    path("figures/export/", figures_views.figures_file, name="figures_export"),
]
