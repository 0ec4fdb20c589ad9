from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "nahrain.health"
    label = "health"
    verbose_name = "Health facilities, consultations and disease early warning"
