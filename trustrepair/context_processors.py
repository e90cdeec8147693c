from django.conf import settings


def site(request):
    return {"SITE_NAME": settings.SITE_NAME, "QUICK_EXIT_URL": "https://www.bbc.co.uk/weather"}
