from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "nahrain.intake"
    label = "intake"
    verbose_name = "Intake"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # What this app's problem rules mean, in the reader's language.
        from nahrain.core.problems import rule_words_add
        from nahrain.intake.problem_words import WORDS

        rule_words_add(WORDS)
