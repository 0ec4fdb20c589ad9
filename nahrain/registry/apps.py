from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "nahrain.registry"
    label = "registry"
    verbose_name = "Household and individual registry"

    def ready(self) -> None:
        # What this app's problem rules mean, in the reader's language.
        from nahrain.core.problems import rule_words_add
        from nahrain.registry.problem_words import WORDS

        rule_words_add(WORDS)
        # Beneficiary lists come in through the intake pipeline, as a spec declared here.
        from nahrain.registry.intake_specs import register_specs

        register_specs()
        # The household registration form is served by ``collect``, declared here.
        from nahrain.registry.fieldforms import register_handlers

        register_handlers()
