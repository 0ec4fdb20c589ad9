from django.apps import AppConfig


class CollectConfig(AppConfig):
    name = "nahrain.collect"
    label = "collect"
    verbose_name = "Field data collection"
