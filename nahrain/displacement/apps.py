from django.apps import AppConfig


class DisplacementConfig(AppConfig):
    name = "nahrain.displacement"
    label = "displacement"
    verbose_name = "Displacement tracking"
