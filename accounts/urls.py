from django.urls import path

from .views import settings as views

app_name = "accounts"
urlpatterns = [
    path("", views.settings_view, name="settings"),
]
