from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "nahrain.demo"
    label = "demo"
    verbose_name = "Demo"
