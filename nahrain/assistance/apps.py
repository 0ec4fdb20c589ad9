from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "nahrain.assistance"
    label = "assistance"
    verbose_name = "Assistance programmes, distribution lists, distributions and monitoring"
