from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "nahrain.sites"
    label = "sites"
    verbose_name = "Camp and site management"
