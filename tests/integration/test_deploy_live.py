"""Plan, deploy, drift, export and prune against the Docker Kibana.

Each test run uses a new Kibana space, deleted at the end, so the stack's
other spaces are untouched. Skipped when the stack fixtures
(``kibana_url``, ``kibana_auth``) are unavailable.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from dac.deploy import apply_plan, build_plan, load_config
from dac.deploy.config import Environment
from dac.deploy.export import export_environment
from dac.kibana import KibanaClient, KibanaNotFoundError

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def live_environment(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Environment, KibanaClient]]:
    """An environment aimed at a fresh space of the Docker Kibana."""
    try:
        url = request.getfixturevalue("kibana_url")
        credentials = request.getfixturevalue("kibana_auth")
    except pytest.FixtureLookupError as exc:
        pytest.skip(f"Docker Kibana fixtures unavailable: {exc.argname}")
    space = f"dac-deploy-{uuid.uuid4().hex[:8]}"
    admin = KibanaClient(url, credentials=credentials)
    admin.request("POST", "/api/spaces/space", json_body={"id": space, "name": space})
    config = tmp_path / "dac.toml"
    config.write_text(
        f"""
[environments.live]
kibana_url = "{url}"
space = "{space}"
enabled = false
auth = {{ username = "unused", password_env = "UNUSED" }}
[environments.live.rules]
paths = ["{ROOT / "detections"}"]
""",
        encoding="utf-8",
    )
    environment = load_config(config).environment("live")
    client = environment.client(credentials=credentials)
    try:
        yield environment, client
    finally:
        client.close()
        admin.request("DELETE", f"/api/spaces/space/{space}")
        admin.close()


def test_deploy_converges_and_detects_drift(live_environment):
    environment, client = live_environment
    plan = build_plan(environment, client)
    assert plan.counts()["create"] > 0
    results = apply_plan(plan, client, environment.managed_tag)
    assert [r for r in results if r.failed] == []

    again = build_plan(environment, client)
    assert not again.has_changes(prune=True), [
        (c.rule_id, c.changed_fields) for c in again.changes if c.action == "update"
    ]

    first = plan.by_action("create")[0]
    client.patch_rule({"rule_id": first.rule_id, "risk_score": 99})
    drifted = build_plan(environment, client)
    [update] = drifted.by_action("update")
    assert update.drift is True
    assert update.changed_fields == ["risk_score"]


def test_export_round_trip_and_prune(live_environment, tmp_path):
    environment, client = live_environment
    apply_plan(build_plan(environment, client), client, environment.managed_tag)
    report = export_environment(environment, client, tmp_path / "exported")
    assert report.skipped == []
    assert report.written

    exported = dataclasses.replace(
        environment,
        rules=dataclasses.replace(environment.rules, paths=(tmp_path / "exported",)),
    )
    assert not build_plan(exported, client).has_changes(prune=True)

    first = sorted(report.written)[0]
    first.unlink()
    pruned = build_plan(exported, client)
    [deletion] = pruned.by_action("delete")
    apply_plan(pruned, client, environment.managed_tag, prune=True)
    with pytest.raises(KibanaNotFoundError):
        client.read_rule(deletion.rule_id)
