"""Helpers of the ``bench_prompts`` command (and of the slow pipeline tests): an SMTP sink, worker processes, seeding."""
