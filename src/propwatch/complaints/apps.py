from django.apps import AppConfig


class Config(AppConfig):
    name = "propwatch.complaints"
    label = "complaints"
    verbose_name = "投诉举报"

    def ready(self):
        from django.core.signals import setting_changed
        from django.db.models.signals import post_delete, post_save

        from propwatch.campaigns.models import CalendarDay, CalendarYear

        from .routing import forget_deadlines

        # Deadlines remembered per day are recounted when the calendar changes.
        for model in (CalendarDay, CalendarYear):
            post_save.connect(forget_deadlines, sender=model, dispatch_uid=f"complaints-deadlines-{model.__name__}")
            post_delete.connect(forget_deadlines, sender=model, dispatch_uid=f"complaints-deadlines-d-{model.__name__}")
        setting_changed.connect(forget_deadlines, dispatch_uid="complaints-deadlines-settings")
