"""The web load benchmark behind ``make bench`` (``manage.py bench_web``).

- ``database``: the dedicated PostgreSQL database (created, migrated, dropped on ``--reseed``);
- ``copy``: bulk loading with ``COPY`` for the million-row tables;
- ``seed``: 10,000 couples with months of activity, and therapists with their caseloads;
- ``sessions``: signed-in sessions for a sample of people, written to a file the load driver reads;
- ``server``: gunicorn with production settings on a loopback port;
- ``driver`` and ``mix.lua``: wrk runs (the mix, the dashboard alone, the 5-query reference);
- ``report``: queries per request, the access log per route, and the one summary line.

Everything here talks only to 127.0.0.1 and every run ends by itself.
"""
