"""Isolation cases, one module per feature, merged by ``tests/test_isolation.py``.

Each module defines ``CASES``: url name -> ``case(world) -> kwargs``. A case may
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
