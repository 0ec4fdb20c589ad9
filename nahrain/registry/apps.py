from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "nahrain.registry"
    label = "registry"
    verbose_name = "Household and individual registry"
