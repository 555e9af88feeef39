"""The browsable API's token login, under DRF's ``rest_framework`` namespace so that the browsable
API shows its own "Log in" / "Log out" links."""

from django.urls import path

from better_auth.views import login, logout

app_name = "rest_framework"
urlpatterns = [
    path("login/", login, name="login"),
    path("logout/", logout, name="logout"),
]
