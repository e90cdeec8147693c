"""The web load benchmark behind ``make bench`` (``manage.py bench_web``).

- ``database``: the dedicated PostgreSQL database (created, migrated, dropped on ``--reseed``);
- ``copy``: bulk loading with ``COPY`` for the million-row tables;
- ``seed`` (with ``seed_stages``): 10,000 couples with months of activity, and therapists with their caseloads;
- ``mix``: the kinds of request of the realistic mix, their shares, URLs and access-log routes;
- ``queries``: each page's SQL queries and time, measured in this process;
- ``sessions``: signed-in sessions for a sample of partners and therapists, written to a file the load driver reads;
- ``server``: gunicorn with production settings on a loopback port;
- ``preflight``: one request of each kind, checked before the load;
- ``driver`` and ``mix.lua``: wrk runs (the mix, and the 5-query reference with and without a session);
- ``report``: the access log per kind of page, the per-page table, the targets and the one summary line.

Everything here talks only to 127.0.0.1 and every run ends by itself.
"""
