"""Exercise URLs under /couple/exercises/, one module per exercise kind.

The step-by-step exercises come last: their ``<slug>/`` pattern would otherwise
swallow the fixed prefixes of the other flows.
"""

from django.urls import include, path

from . import accountability, agreements, appreciations, paired, questions, rituals

app_name = "exercises"
urlpatterns = [
    path("accountability/", include(accountability.urlpatterns)),
    path("questions/", include(questions.urlpatterns)),
    path("agreements/", include(agreements.urlpatterns)),
    path("rituals/", include(rituals.urlpatterns)),
    path("appreciations/", include(appreciations.urlpatterns)),
    path("", include(paired.urlpatterns)),
]
