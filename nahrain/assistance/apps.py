from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "nahrain.assistance"
    label = "assistance"
    verbose_name = "Assistance programmes, distribution lists, distributions and monitoring"

    def ready(self) -> None:
        # Partners' lists and payment providers' reports come in through the intake pipeline.
        from nahrain.assistance.intake_specs import register_specs

        register_specs()
        # The distribution field form and the post-distribution monitoring survey are served
        # by ``collect``.
        from nahrain.assistance import distribution_form, fieldforms

        distribution_form.register_handlers()
        fieldforms.register_handlers()
