"""Isolation cases, one module per feature: the one shared description of what ``tests/test_isolation.py`` requests.

Each module defines ``CASES``: url name -> ``case(world) -> kwargs``, and every
URL of the project (allauth's and the staff admin's own aside) must have
exactly one case; ``tests/test_isolation.py`` fails on a URL without one and on a
case whose URL is gone. A case may
create objects in the first couple (``world.couple``, ``world.partner_a``,
``world.partner_b``) and should plant ``world.marker`` in any text it writes,
so the matrix can prove that text never reaches an outsider.
"""

import importlib
import pkgutil


def all_cases() -> dict:
    merged: dict = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        overlap = merged.keys() & module.CASES.keys()
        assert not overlap, f"{info.name} repeats isolation cases {sorted(overlap)}"
        merged.update(module.CASES)
    return merged
