from django.urls import path

from nahrain.displacement import views

app_name = "displacement"

urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("rounds/<uuid:round_uid>/", views.round_detail, name="round"),
    path("rounds/<uuid:round_uid>/upload/", views.round_upload, name="upload"),
    path(
        "rounds/<uuid:round_uid>/upload/<str:token>/confirm/",
        views.round_upload_confirm,
        name="upload_confirm",
    ),
    path("rounds/<uuid:round_uid>/export/", views.round_export, name="export"),
    path("rounds/<uuid:round_uid>/<str:action>/", views.round_lifecycle, name="lifecycle"),
]
