from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "nahrain.registry"
    label = "registry"
    verbose_name = "Household and individual registry"

    def ready(self) -> None:
        # What the registration form's problem rules mean, in the reader's language.
        from nahrain.core.problems import rule_words_add
        from nahrain.registry.problem_words import WORDS_FORM

        rule_words_add(WORDS_FORM)
        # The household registration form is served by ``collect``, declared here.
        from nahrain.registry.fieldforms import register_handlers

        register_handlers()
