"""Skip integration tests, with the reason shown, unless a run selects them.

Integration tests start Elasticsearch and Kibana in Docker. ``make test``
collects them so the report shows why they did not run: either no Docker
engine responds here, or one does and the run did not select them with
``-m integration`` (``make integration``), which starts the stack.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    marked = [item for item in items if item.get_closest_marker("integration")]
    if not marked or "integration" in (config.getoption("markexpr") or ""):
        return
    from integration.stack import docker_problem

    problem = docker_problem()
    if problem is not None:
        reason = (
            f"integration test skipped: {problem}; "
            "run make integration on a machine with Docker"
        )
    else:
        reason = (
            "integration test skipped: it starts Elasticsearch and Kibana in "
            "Docker; run make integration"
        )
    skip = pytest.mark.skip(reason=reason)
    for item in marked:
        item.add_marker(skip)
