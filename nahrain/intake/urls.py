from django.urls import path

from nahrain.intake import views

app_name = "intake"

urlpatterns = [
    path("uploads/<uuid:upload_uid>/", views.preview, name="preview"),
    path("uploads/<uuid:upload_uid>/map/", views.preview_map, name="preview_map"),
    path("uploads/<uuid:upload_uid>/alias/", views.preview_alias, name="preview_alias"),
    path(
        "uploads/<uuid:upload_uid>/problems.<str:format>",
        views.preview_problems,
        name="preview_problems",
    ),
    path("uploads/<uuid:upload_uid>/confirm/", views.confirm, name="confirm"),
    path("jobs/<uuid:job_uid>/", views.job, name="job"),
    path("jobs/<uuid:job_uid>/problems.<str:format>", views.job_problems, name="job_problems"),
    path("<str:spec_name>/<str:target_uid>/", views.upload, name="upload"),
]
