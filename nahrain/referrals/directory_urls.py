from django.urls import URLPattern, URLResolver, path
from django.views.generic import RedirectView

urlpatterns: list[URLPattern | URLResolver] = [
    path("services/", RedirectView.as_view(url="/"), name="directory")
]
