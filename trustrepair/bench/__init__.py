"""The benchmarks behind ``make bench`` (``web``: the site under load) and ``make bench-prompts`` (``prompts``).

They are not part of the product: nothing in ``accounts`` or ``exercises``
imports them. ``database`` is the dedicated PostgreSQL database both use,
``views`` the 5-query reference view (routed only with ``BENCH_ENDPOINTS``),
and ``management/commands`` the two commands.
"""
