"""The elasticsearch backend end to end against the loopback Elasticsearch double."""

from __future__ import annotations

import pytest
from dac.errors import ElasticsearchError
from dac.testing.backend import get_backend
from dac.testing.backend_elasticsearch import ElasticsearchBackend

from backends.conftest import load_fixture, process_templates


def make_backend(es_client):
    return ElasticsearchBackend(client=es_client, templates=process_templates)


def sequence_response(ids):
    namespace = ids[0].rsplit("-", 1)[0]
    return load_fixture(
        "eql_sequence_response.json",
        {"__ID0__": ids[0], "__ID1__": ids[1], "__NS__": namespace},
    )


def test_hit_maps_to_caller_event(es_client, es_double, rule, events):
    es_double.eql_response = lambda ids: load_fixture(
        "eql_events_response.json", {"__ID1__": ids[1], "__NS__": "x"}
    )

    alerts = make_backend(es_client).run(rule, events)

    assert len(alerts) == 1
    assert alerts[0].events == (events[1],)
    assert alerts[0].events[0] is events[1]


def test_sequence_keeps_missing_step(es_client, es_double, rule, events):
    es_double.eql_response = sequence_response

    alerts = make_backend(es_client).run(rule, events)

    assert alerts[0].events == (events[0], None, events[1])


def test_requests_in_order(es_client, es_double, rule, events):
    make_backend(es_client).run(rule, events)

    steps = [(r.method, r.path.rsplit("/", 1)[-1]) for r in es_double.requests]
    assert steps[0] == ("PUT", "dac-logs-endpoint.events.process")
    assert steps[1] == ("POST", "_bulk")
    assert steps[2] == ("POST", "search")
    assert steps[3][0] == "DELETE"
    assert es_double.data_streams == {}


def test_search_scoped_to_run(es_client, es_double, rule, events):
    make_backend(es_client).run(rule, events)

    bulk = es_double.calls("POST", "/_bulk")[0]
    eql = es_double.calls("POST", "/_eql/search")[0]
    assert bulk.query["refresh"] == ["true"]
    namespace = bulk.body.decode().split('"_id": "')[1].split("-")[0]
    clause = eql.json()["filter"]["bool"]["filter"][1]
    assert clause == {"wildcard": {"_index": {"value": f"*-{namespace}-*"}}}
    assert eql.path == "/logs-endpoint.events.process-*/_eql/search"


def test_templates_installed_once(es_client, es_double, rule, events):
    backend = make_backend(es_client)

    backend.run(rule, events)
    backend.run(rule, events)

    assert len(es_double.calls("PUT", "dac-logs-endpoint.events.process")) == 1
    assert len(es_double.calls("POST", "/_bulk")) == 2


def test_cleanup_after_search_error(es_client, es_double, rule, events):
    def broken(ids):
        return {"took": 1}

    es_double.eql_response = broken

    with pytest.raises(ElasticsearchError, match="without 'hits'"):
        make_backend(es_client).run(rule, events)

    assert es_double.data_streams == {}
    assert len(es_double.calls("DELETE", "")) == 1


def test_bulk_failure_cleans_up(es_client, es_double, rule, events):
    class FailSecond(dict):
        def get(self, doc_id, default=None):
            if doc_id.endswith("-1"):
                return {"type": "document_parsing_exception", "reason": "bad pid"}
            return default

    es_double.bulk_failures = FailSecond()

    with pytest.raises(ElasticsearchError, match="event 1 .* bad pid"):
        make_backend(es_client).run(rule, events)

    assert es_double.data_streams == {}
    assert es_double.calls("POST", "/_eql/search") == []


def test_keep_data_leaves_streams(es_client, es_double, rule, events):
    backend = ElasticsearchBackend(
        client=es_client, templates=process_templates, keep_data=True
    )

    backend.run(rule, events)

    assert len(es_double.data_streams) == 1


def test_get_backend_builds_elasticsearch(es_double, monkeypatch):
    monkeypatch.setenv("DAC_ES_PASSWORD", "pw")

    backend = get_backend("elasticsearch", es_url=es_double.url)

    assert isinstance(backend, ElasticsearchBackend)
    assert backend.client.config.url == es_double.url
    assert backend.client.config.username == "elastic"


def test_schema_templates_installed_by_default(es_client, es_double, rule, events):
    backend = ElasticsearchBackend(client=es_client)

    backend.run(rule, events)

    assert list(es_double.templates) == ["dac-defend-process"]
    mappings = es_double.templates["dac-defend-process"]["template"]["mappings"]
    assert mappings["dynamic"] is False
