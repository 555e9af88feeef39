"""Routes of the task API, in both families: ``/api/tasks...`` (the owner is the token's user)
and ``/api/{user_id}/tasks...`` (the path style; the path's user id must be the token's)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from tasks.views import TaskViewSet, UserTaskViewSet


class OptionalSlashRouter(SimpleRouter):
    """Every route matches with and without a trailing slash, so nothing is ever redirected
    (a redirected POST or PATCH would lose its body)."""

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"


def task_routes(viewset) -> list:
    router = OptionalSlashRouter()
    router.register("tasks", viewset, basename="task")
    return router.urls


urlpatterns = [
    path("", include((task_routes(TaskViewSet), "tasks"), namespace="tasks")),
    path("<str:user_id>/", include((task_routes(UserTaskViewSet), "tasks"), namespace="user-tasks")),
]
