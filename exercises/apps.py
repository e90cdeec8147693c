from django.apps import AppConfig


class ExercisesConfig(AppConfig):
    name = "exercises"
    verbose_name = "Exercises"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models.daily import Notification, _bump_unread

        def on_notification(sender, instance, **kwargs):
            _bump_unread([instance.user_id])

        post_save.connect(on_notification, sender=Notification, weak=False, dispatch_uid="notification_unread_save")
        post_delete.connect(on_notification, sender=Notification, weak=False, dispatch_uid="notification_unread_delete")
