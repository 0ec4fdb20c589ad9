"""Pages of the complaints and feedback mechanism, under feedback/ (namespace ``feedback``): the
queue (with the PDM complaints waiting to be taken over), the help desk's entry and its
confirmation, an item, its steps and its category, the trends with the
anonymised export, and the focal points an organisation admin names."""

from django.urls import URLPattern, path

from nahrain.feedback import views

app_name = "feedback"

urlpatterns: list[URLPattern] = [
    path("", views.queue, name="queue"),
    path("new/", views.new, name="new"),
    path("recorded/", views.recorded, name="recorded"),
    path("items/<uuid:feedback_uid>/", views.item, name="item"),
    path("items/<uuid:feedback_uid>/step/", views.step, name="step"),
    path("items/<uuid:feedback_uid>/category/", views.reclassify, name="reclassify"),
    path("pdm/<uuid:programme_uid>/take/", views.pdm_take, name="pdm_take"),
    path("trends/", views.trends, name="trends"),
    path("trends/export.csv", views.export, name="export"),
    path("focal-points/", views.focal_points, name="focal_points"),
]
