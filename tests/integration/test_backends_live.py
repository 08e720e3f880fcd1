"""Rule cases on a real Elasticsearch and through Kibana's detection engine.

Every case of every rule under detections/ must pass on the elasticsearch
and kibana backends as it does on the embedded engine, and the two engines
must agree case by case.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from dac.cli import cli
from dac.elasticsearch.templates import install_templates
from dac.elasticsearch.testrun import schema_templates
from dac.kibana.client import KibanaClient
from dac.rules import load_rules
from dac.testing.backend_elasticsearch import ElasticsearchBackend
from dac.testing.backend_kibana import KibanaBackend
from dac.testing.runner import RuleCases, load_rule_cases, run_case

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
STACK_VERSION = os.environ.get("STACK_VERSION", "9.3.4")


def detection_cases() -> list[pytest.param]:
    """Return one parameter per case of every rule under detections/."""
    rules, _ = load_rules([ROOT / "detections"])
    loaded, _ = load_rule_cases(rules)
    return [
        pytest.param(item, case, id=f"{item.rule.path.stem}::{case.name}")
        for item in loaded
        for case in item.case_file.cases
    ]


CASES = detection_cases()


@pytest.fixture(scope="module")
def es_backend(es_client):
    return ElasticsearchBackend(client=es_client)


@pytest.fixture(scope="module")
def kibana_backend(kibana_url, kibana_auth, es_client):
    def for_space(space: str) -> KibanaClient:
        return KibanaClient(kibana_url, space=space, credentials=kibana_auth)

    return KibanaBackend(kibana_factory=for_space, es_client=es_client)


@pytest.fixture(scope="module")
def kibana_preview_backend(kibana_url, kibana_auth, es_client):
    def for_space(space: str) -> KibanaClient:
        return KibanaClient(kibana_url, space=space, credentials=kibana_auth)

    return KibanaBackend(mode="preview", kibana_factory=for_space, es_client=es_client)


def test_cluster_runs_pinned_version(es_client):
    info = es_client.info()

    assert info["version"]["number"] == STACK_VERSION


def test_schema_templates_accepted(es_client):
    names = install_templates(es_client, schema_templates())

    for name in names:
        stored = es_client.request("GET", f"/_index_template/{name}")
        assert stored["index_templates"][0]["name"] == name


def test_detection_engine_has_encryption_key(kibana_url, kibana_auth):
    client = KibanaClient(kibana_url, credentials=kibana_auth)

    privileges = client.request("GET", "/api/detection_engine/privileges")

    assert privileges["has_encryption_key"] is True
    assert privileges["is_authenticated"] is True


@pytest.mark.parametrize(("item", "case"), CASES)
def test_case_on_elasticsearch(item: RuleCases, case, es_backend):
    result = run_case(item.rule, case, es_backend, item.case_file, base_time=None)

    assert result.passed, result.message


@pytest.mark.parametrize(("item", "case"), CASES)
def test_case_on_kibana(item: RuleCases, case, kibana_backend):
    result = run_case(item.rule, case, kibana_backend, item.case_file, base_time=None)

    assert result.passed, result.message


@pytest.mark.parametrize(("item", "case"), CASES[:2])
def test_case_on_kibana_preview(item: RuleCases, case, kibana_preview_backend):
    result = run_case(
        item.rule, case, kibana_preview_backend, item.case_file, base_time=None
    )

    assert result.passed, result.message


def test_engines_agree_on_detections(elasticsearch_url, es_auth, monkeypatch):
    monkeypatch.setenv("DAC_ES_USERNAME", es_auth[0])
    monkeypatch.setenv("DAC_ES_PASSWORD", es_auth[1])

    result = CliRunner().invoke(
        cli, ["diff-engines", "--es-url", elasticsearch_url, str(ROOT / "detections")]
    )

    assert result.exit_code == 0, result.output


def test_runs_leave_no_data(
    es_client, es_backend, kibana_backend, kibana_url, kibana_auth
):
    item, case = CASES[0].values

    run_case(item.rule, case, es_backend, item.case_file, base_time=None)
    run_case(item.rule, case, kibana_backend, item.case_file, base_time=None)

    streams = es_client.request(
        "GET", "/_data_stream/*-dactest*", params={"expand_wildcards": "all"}
    )
    assert streams["data_streams"] == []
    spaces = KibanaClient(kibana_url, credentials=kibana_auth).request(
        "GET", "/api/spaces/space"
    )
    assert [space["id"] for space in spaces if space["id"].startswith("dactest")] == []
