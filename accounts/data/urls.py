"""URLs for owning your data: export and account deletion, under /settings/data/."""

from django.urls import path

from . import views

app_name = "data"
urlpatterns = [
    path("", views.index, name="index"),
    path("export/", views.export_request, name="export"),
    path("exports/<int:pk>/download/", views.download, name="download"),
    path("delete/", views.erase, name="erase"),
    path("deleted/", views.erased, name="erased"),
]
