"""Routes of the task API. ``todo_backend.urls`` mounts them under both path families."""

from rest_framework.routers import SimpleRouter

from tasks.views import TaskViewSet


class OptionalSlashRouter(SimpleRouter):
    """Every route matches with and without a trailing slash, so nothing is ever redirected
    (a redirected POST or PATCH would lose its body)."""

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"


router = OptionalSlashRouter()
router.register("tasks", TaskViewSet, basename="task")

app_name = "tasks"
urlpatterns = router.urls
