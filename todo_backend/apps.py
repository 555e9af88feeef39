from django.apps import AppConfig


class TodoBackendConfig(AppConfig):
    """The project's cross-cutting pieces; as an app only for the rate-limit counters' table."""

    name = "todo_backend"
    verbose_name = "Project plumbing"
    default_auto_field = "django.db.models.BigAutoField"
