from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "nahrain.assistance"
    label = "assistance"
    verbose_name = "Assistance programmes, distribution lists, distributions and monitoring"

    def ready(self) -> None:
        # The post-distribution monitoring survey is a field form served by ``collect``.
        from nahrain.assistance.fieldforms import register_handlers

        register_handlers()
