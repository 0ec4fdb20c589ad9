"""Pages of the service directory, under services/ (namespace ``referrals``)."""

from django.urls import URLPattern, URLResolver, path

from nahrain.referrals import directory_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("services/", directory_views.directory, name="directory"),
    path("services/new/", directory_views.point_new, name="point_new"),
    path(
        "services/export/<str:format>/",
        directory_views.directory_export,
        name="directory_export",
    ),
    path("services/<uuid:point_uid>/", directory_views.point, name="point"),
    path("services/<uuid:point_uid>/edit/", directory_views.point_edit, name="point_edit"),
    path("services/<uuid:point_uid>/publish/", directory_views.point_publish, name="point_publish"),
    path("services/<uuid:point_uid>/archive/", directory_views.point_archive, name="point_archive"),
]
