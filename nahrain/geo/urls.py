from django.urls import path

from nahrain.geo import views

app_name = "geo"

urlpatterns = [
    path("", views.unit_browser, name="browser"),
    path("units/<str:pcode>/", views.unit_browser, name="unit"),
    path("locations/<uuid:location_uid>/", views.location_detail, name="location"),
]
