from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "nahrain.core"
    label = "core"
    verbose_name = "Core"
