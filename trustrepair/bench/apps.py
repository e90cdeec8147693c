from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Installed only so that ``manage.py`` finds the ``bench_web`` and ``bench_prompts`` commands."""

    name = "trustrepair.bench"
    label = "bench"
