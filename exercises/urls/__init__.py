"""Exercise URLs under /couple/exercises/, one module per exercise kind."""

from django.urls import include, path

from . import accountability, agreements, appreciations, paired, questions, rituals

app_name = "exercises"
urlpatterns = [
    path("", include(paired.urlpatterns)),
    path("accountability/", include(accountability.urlpatterns)),
    path("questions/", include(questions.urlpatterns)),
    path("agreements/", include(agreements.urlpatterns)),
    path("rituals/", include(rituals.urlpatterns)),
    path("appreciations/", include(appreciations.urlpatterns)),
]
