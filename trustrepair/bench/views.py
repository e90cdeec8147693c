"""Views that exist only for ``make bench`` (``settings.BENCH_ENDPOINTS``); without it this module routes nothing.

The reference view is the yardstick of the web benchmark: five trivial
queries and a tiny response, through the same middleware as every page. The
throughput of the realistic mix of pages is reported as a ratio to it, measured
in the same run in alternating slices, with the same signed-in partners'
sessions as the mix (so both pay for the session, the user and the session
policy, and the ratio measures the pages' own work); ``bench_web`` also
measures it without a session and prints that too.
"""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

REFERENCE_QUERIES = 5


@require_GET
def reference(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        for _ in range(REFERENCE_QUERIES):
            cursor.execute("SELECT 1")
            cursor.fetchone()
    return HttpResponse("ok\n", content_type="text/plain")


app_name = "bench"
urlpatterns = [path("reference/", reference, name="reference")] if settings.BENCH_ENDPOINTS else []
