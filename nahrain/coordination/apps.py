from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    name = "nahrain.coordination"
    label = "coordination"
    verbose_name = "Response plan, clusters, HRP projects and the monthly 4W reports"
