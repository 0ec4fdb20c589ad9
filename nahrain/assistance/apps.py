from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "nahrain.assistance"
    label = "assistance"
    verbose_name = "Assistance programmes, distribution lists, distributions and monitoring"

    def ready(self) -> None:
        # The distribution field form and the post-distribution monitoring survey are served
        # by ``collect``.
        from nahrain.assistance import distribution_form, fieldforms

        distribution_form.register_handlers()
        fieldforms.register_handlers()
