"""Run-wide test setup: how pytest-xdist shares the tests between its workers.

``make test`` runs ``pytest -n 2 --dist loadgroup``. Every test is put in the group of its file
(so a file's module fixtures are built once, as ``--dist loadfile`` would), except the tests
marked ``spark``, which all go to one group: one worker, so the run starts one Spark session.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist registers it, but runs with `-p no:xdist` need it too (--strict-markers)
    config.addinivalue_line("markers", "xdist_group(name): the xdist worker group of a test")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        group = "spark" if item.get_closest_marker("spark") else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))
