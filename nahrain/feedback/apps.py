from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "nahrain.feedback"
    label = "feedback"
    verbose_name = "Complaints and feedback mechanism"
