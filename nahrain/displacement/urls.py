from django.urls import path

from nahrain.displacement import dashboard_views, views

app_name = "displacement"

urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("overview/", dashboard_views.overview, name="overview"),
    path("overview/table/", dashboard_views.overview_table, name="overview_table"),
    path(
        "overview/place/<str:place_id>/",
        dashboard_views.overview_location,
        name="overview_location",
    ),
    path("overview/<str:pcode>/", dashboard_views.overview, name="overview_unit"),
    path("compare/", dashboard_views.compare, name="compare"),
    path("origins/", dashboard_views.origins, name="origins"),
    path("public/", dashboard_views.public, name="public"),
    path("public/export/", dashboard_views.public_export, name="public_export"),
    path("map/shapes/<int:level>.json", dashboard_views.map_shapes, name="map_shapes"),
    path("map/points.json", dashboard_views.map_points, name="map_points"),
    path("rounds/<uuid:round_uid>/", views.round_detail, name="round"),
    path("rounds/<uuid:round_uid>/export/", views.round_export, name="export"),
    path("rounds/<uuid:round_uid>/publish/", views.round_publish, name="publish"),
    path("rounds/<uuid:round_uid>/delete/", views.round_delete, name="delete"),
    path("rounds/<uuid:round_uid>/<str:action>/", views.round_lifecycle, name="lifecycle"),
]
