from django.urls import URLPattern, URLResolver

from nahrain.registry import figures_urls

app_name = "registry"

urlpatterns: list[URLPattern | URLResolver] = []

# --- figures -----------------------------------------------------------------------------------

urlpatterns += figures_urls.urlpatterns
