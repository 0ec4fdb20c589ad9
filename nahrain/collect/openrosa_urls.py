from django.urls import path

from nahrain.collect import views

app_name = "openrosa"

urlpatterns = [
    path("formList", views.form_list, name="form_list"),
    path("submission", views.submission, name="submission"),
    path("forms/<uuid:uid>/form.xml", views.form_download, name="form_download"),
    path("forms/<uuid:uid>/manifest", views.manifest, name="manifest"),
    path("forms/<uuid:uid>/media/<str:filename>", views.media_download, name="media"),
]
