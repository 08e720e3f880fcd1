"""The kibana backend against loopback Kibana and Elasticsearch doubles."""

from __future__ import annotations

from pathlib import Path

import pytest
from dac.deploy.config import AuthSource, Environment, RuleSelection
from dac.errors import KibanaError
from dac.kibana.client import KibanaClient
from dac.kibana.credentials import Credentials
from dac.rules import parse_rule
from dac.testing.backend_kibana import (
    KibanaBackend,
    kibana_rule_body,
    wait_for_first_run,
)
from dac.testing.kibana_alerts import alert_field, alerts_from_documents, source_id

from backends.conftest import RULE_TOML, load_fixture, process_templates

SUCCEEDED = {"status": "succeeded", "message": "Rule execution completed successfully"}
GOING = {"status": "going to run", "message": ""}


def make_backend(kibana_double, es_client, mode="rule", timeout=30.0):
    credentials = Credentials("Basic", "test", "ZWxhc3RpYzpwdw==")

    def for_space(space):
        return KibanaClient(kibana_double.url, space=space, credentials=credentials)

    return KibanaBackend(
        mode=mode,
        kibana_factory=for_space,
        es_client=es_client,
        templates=process_templates,
        timeout=timeout,
        poll_interval=0,
        sleep=lambda seconds: None,
    )


class ScriptedSearch(dict):
    """A search response computed when the backend searches, from the indexed ids."""

    def __init__(self, es_double, name):
        super().__init__()
        self._double = es_double
        self._name = name

    def resolve(self):
        ids = [i for stream in self._double.data_streams.values() for i in stream]
        namespace = ids[0].rsplit("-", 1)[0]
        self.clear()
        self.update(
            load_fixture(
                self._name,
                {
                    "__ID0__": ids[0],
                    "__ID1__": ids[1],
                    "__ID2__": ids[2],
                    "__NS__": namespace,
                },
            )
        )


@pytest.fixture
def scripted_alerts(es_double, monkeypatch):
    """Fill the alerts search response once the backend has indexed its events."""
    search = ScriptedSearch(es_double, "kibana_alerts_search_response.json")
    es_double.search_response = search
    original = es_double.route

    def route(request):
        if request.path.endswith("/_search"):
            search.resolve()
        return original(request)

    monkeypatch.setattr(es_double, "route", route)
    return search


def test_rule_mode_maps_alerts(
    kibana_double, es_client, es_double, rule, events, scripted_alerts
):
    kibana_double.statuses = [GOING, SUCCEEDED]

    alerts = make_backend(kibana_double, es_client).run(rule, events)

    assert [alert.events for alert in alerts] == [(events[2],), (events[0], events[1])]


def test_rule_created_enabled_in_space(
    kibana_double, es_client, es_double, rule, events, scripted_alerts
):
    kibana_double.statuses = [SUCCEEDED]

    make_backend(kibana_double, es_client).run(rule, events)

    created = kibana_double.calls("POST", "/api/detection_engine/rules")[0]
    space = created.path.split("/")[2]
    body = created.json()
    assert space.startswith("dactest")
    assert body["enabled"] is True
    assert body["from"] == "now-1d"
    assert body["rule_id"] == rule.rule_id
    assert body["timestamp_override"] == "event.ingested"
    assert kibana_double.deleted_spaces == [space]


def test_alert_index_searched_by_rule_uuid(
    kibana_double, es_client, es_double, rule, events, scripted_alerts
):
    kibana_double.statuses = [SUCCEEDED]

    make_backend(kibana_double, es_client).run(rule, events)

    rule_uuid = next(iter(kibana_double.rules))
    search = es_double.calls("POST", "/_search")[0]
    space = kibana_double.deleted_spaces[0]
    assert search.path == f"/.alerts-security.alerts-{space}/_search"
    term = search.json()["query"]["bool"]["filter"][0]["term"]
    assert term == {"kibana.alert.rule.uuid": rule_uuid}
    assert es_double.calls("POST", f".alerts-security.alerts-{space}/_refresh")


def test_failed_run_reports_message(kibana_double, es_client, es_double, rule, events):
    kibana_double.statuses = [
        {"status": "failed", "message": "verification_exception: Unknown column [x]"}
    ]

    with pytest.raises(KibanaError, match="Unknown column"):
        make_backend(kibana_double, es_client).run(rule, events)

    assert len(kibana_double.deleted_spaces) == 1
    assert es_double.data_streams == {}


def test_space_alert_indexes_deleted(
    kibana_double, es_client, es_double, rule, events, scripted_alerts
):
    kibana_double.statuses = [SUCCEEDED]
    es_double.resolved_indexes = [".internal.alerts-security.alerts-x-000001"]

    make_backend(kibana_double, es_client).run(rule, events)

    resolve = es_double.calls("GET", "")[0]
    assert resolve.path.startswith("/_resolve/index/.internal.alerts-security.alerts-")
    assert resolve.query["expand_wildcards"] == ["all"]
    assert es_double.deleted_indexes == [".internal.alerts-security.alerts-x-000001"]


def test_wait_times_out_with_status(rule):
    ticks = iter(range(100))

    with pytest.raises(KibanaError, match="no completed run after 5 s .*going to run"):
        wait_for_first_run(
            lambda: {"execution_summary": {"last_execution": GOING}},
            rule,
            timeout=5,
            interval=1,
            sleep=lambda seconds: None,
            clock=lambda: float(next(ticks)),
        )


def test_preview_mode_reads_preview_index(
    kibana_double, es_client, es_double, rule, events, scripted_alerts
):
    kibana_double.preview_response = load_fixture(
        "kibana_preview_response.json", {"__RULE_UUID__": "preview-1"}
    )

    alerts = make_backend(kibana_double, es_client, mode="preview").run(rule, events)

    preview = kibana_double.calls("POST", "/api/detection_engine/rules/preview")[0]
    assert preview.json()["invocationCount"] == 1
    assert "timeframeEnd" in preview.json()
    search = es_double.calls("POST", "/_search")[0]
    assert search.path.startswith("/.preview.alerts-security.alerts-dactest")
    assert len(alerts) == 2


def test_preview_errors_raised(kibana_double, es_client, es_double, rule, events):
    response = load_fixture("kibana_preview_response.json", {"__RULE_UUID__": "p"})
    response["logs"][0]["errors"] = ["Missing read privilege on .preview.alerts"]
    kibana_double.preview_response = response

    with pytest.raises(KibanaError, match="preview failed: Missing read privilege"):
        make_backend(kibana_double, es_client, mode="preview").run(rule, events)

    assert len(kibana_double.deleted_spaces) == 1


def test_invalid_mode_rejected(kibana_double, es_client):
    with pytest.raises(Exception, match="invalid Kibana backend mode 'fast'"):
        make_backend(kibana_double, es_client, mode="fast")


def test_rule_body_uses_deploy_body(rule):
    body = kibana_rule_body(rule, "now-2h", "now")

    assert "metadata" not in body
    assert body["rule_id"] == rule.rule_id
    assert body["query"] == rule.query
    assert body["language"] == "eql"
    assert body["enabled"] is True
    assert body["interval"] == "1m"
    assert body["from"] == "now-2h"
    assert body["to"] == "now"
    assert body["max_signals"] == 1000


def test_rule_body_drops_connectors():
    text = RULE_TOML + (
        "\n[[rule.actions]]\n"
        'action_type_id = ".slack"\n'
        'group = "default"\n'
        'id = "connector-1"\n'
        "params = {}\n"
    )
    rule = parse_rule(text, "rule.toml")

    body = kibana_rule_body(rule, "now-1d", "now")

    assert "actions" not in body
    assert "exceptions_list" not in body


def test_environment_supplies_kibana(
    kibana_double, es_client, rule, events, scripted_alerts, monkeypatch
):
    monkeypatch.setenv("DAC_TEST_KIBANA_KEY", "a2V5OnNlY3JldA==")
    environment = Environment(
        name="test",
        kibana_url="http://127.0.0.1:1",
        space="soc",
        auth=AuthSource(api_key_env="DAC_TEST_KIBANA_KEY"),
        rules=RuleSelection(paths=(Path("detections"),)),
        managed_tag="managed-by:dac",
    )
    kibana_double.statuses = [SUCCEEDED]
    backend = KibanaBackend(
        kibana_double.url,
        environment=environment,
        es_client=es_client,
        templates=process_templates,
        poll_interval=0,
        sleep=lambda seconds: None,
    )

    alerts = backend.run(rule, events)

    created = kibana_double.calls("POST", "/api/detection_engine/rules")[0]
    assert created.headers["authorization"] == "ApiKey a2V5OnNlY3JldA=="
    assert created.path.startswith("/s/dactest")
    assert len(alerts) == 2


def test_alert_field_reads_all_layouts():
    document = {
        "kibana.alert.group.id": "flat",
        "kibana": {"alert": {"group": {"index": 2}}},
        "kibana.alert": {"rule": {"uuid": "mixed"}},
    }

    assert alert_field(document, "kibana.alert.group.id") == "flat"
    assert alert_field(document, "kibana.alert.group.index") == 2
    assert alert_field(document, "kibana.alert.rule.uuid") == "mixed"
    assert alert_field(document, "kibana.alert.reason") is None


def test_source_id_requires_depth_zero():
    document = {
        "kibana.alert.rule.rule_id": "r1",
        "kibana.alert.ancestors": [{"id": "a", "depth": 1}],
    }

    with pytest.raises(KibanaError, match="rule 'r1' has no source event"):
        source_id(document)


def test_documents_without_match_skip_shell():
    documents = [
        {"kibana.alert.group.id": "g", "kibana.alert.ancestors": []},
        {
            "kibana.alert.group.id": "g",
            "kibana.alert.group.index": 0,
            "kibana.alert.ancestors": [{"id": "e0", "depth": 0}],
        },
    ]
    events = {"e0": {"n": 0}}

    alerts = alerts_from_documents(documents, events.get)

    assert [alert.events for alert in alerts] == [({"n": 0},)]


def test_partial_failure_still_reads_alerts(
    kibana_double, es_client, rule, events, scripted_alerts, caplog
):
    kibana_double.statuses = [
        {"status": "partial failure", "message": "no index matching winlogbeat-*"}
    ]

    alerts = make_backend(kibana_double, es_client).run(rule, events)

    assert len(alerts) == 2
    assert "no index matching winlogbeat-*" in caplog.text
