from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "nahrain.geo"
    label = "geo"
    verbose_name = "Geography"
