"""KibanaClient against the in-process Kibana test double."""

from __future__ import annotations

import logging
import time

import pytest
import requests
from dac.errors import ConfigError
from dac.kibana import (
    API_VERSION,
    Credentials,
    KibanaAuthError,
    KibanaBadRequestError,
    KibanaClient,
    KibanaConflictError,
    KibanaNotFoundError,
    KibanaRateLimitError,
    KibanaResponseError,
    KibanaUnavailableError,
    RetryPolicy,
    parse_retry_after,
)

from kibana.conftest import API_KEY
from kibana.double import KibanaDouble


def eql_rule(rule_id: str, **extra) -> dict:
    body = {
        "rule_id": rule_id,
        "name": f"Rule {rule_id}",
        "description": "test rule",
        "risk_score": 21,
        "severity": "low",
        "type": "eql",
        "language": "eql",
        "query": 'process where process.name == "cmd.exe"',
        "tags": ["managed-by:dac"],
    }
    body.update(extra)
    return body


def test_create_read_update_delete(client, kibana):
    created = client.create_rule(eql_rule("r1"))
    assert created["revision"] == 0
    assert created["version"] == 1
    assert created["enabled"] is False

    read = client.read_rule("r1")
    assert read["id"] == created["id"]
    assert client.read_rule(id=created["id"])["rule_id"] == "r1"

    updated = client.update_rule(eql_rule("r1", name="Renamed", version=2))
    assert updated["name"] == "Renamed"
    assert updated["revision"] == 1
    assert updated["version"] == 2

    patched = client.patch_rule({"rule_id": "r1", "enabled": True})
    assert patched["enabled"] is True
    assert patched["revision"] == 1, "enabling must not bump revision"

    client.delete_rule("r1")
    with pytest.raises(KibanaNotFoundError, match='rule_id: "r1" not found'):
        client.read_rule("r1")


def test_put_resets_unsent_fields(client):
    client.create_rule(eql_rule("r1", note="investigate", interval="1m"))
    updated = client.update_rule(eql_rule("r1"))
    assert "note" not in updated
    assert updated["interval"] == "5m"


def test_duplicate_rule_id_conflict(client):
    client.create_rule(eql_rule("r1"))
    with pytest.raises(KibanaConflictError) as info:
        client.create_rule(eql_rule("r1"))
    assert info.value.status == 409
    assert info.value.messages == ['rule_id: "r1" already exists']


def test_bad_request_message_list(client):
    with pytest.raises(KibanaBadRequestError) as info:
        client.create_rule(eql_rule("r1", timeline_id="t-1"))
    assert info.value.messages == [
        'when "timeline_id" exists, "timeline_title" must also exist'
    ]
    assert "timeline_title" in str(info.value)


def test_bad_request_platform_shape(client):
    body = eql_rule("r1")
    del body["severity"]
    with pytest.raises(KibanaBadRequestError, match="severity: Required"):
        client.create_rule(body)


def test_wrong_api_key_is_auth_error(kibana):
    bad = Credentials("ApiKey", "test", "wrong-key")
    with KibanaClient(kibana.url, credentials=bad) as unauthorized:
        with pytest.raises(KibanaAuthError) as info:
            unauthorized.read_rule("r1")
    assert info.value.status == 401
    assert "wrong-key" not in str(info.value)


def test_basic_auth_accepted():
    import base64

    with KibanaDouble(api_keys=(), users={"deployer": "s3cret"}) as double:
        token = base64.b64encode(b"deployer:s3cret").decode()
        with KibanaClient(
            double.url, credentials=Credentials("Basic", "t", token)
        ) as c:
            assert c.create_rule(eql_rule("r1"))["created_by"] == "deployer"


def test_headers_sent_on_every_request(client, kibana):
    client.create_rule(eql_rule("r1"))
    client.read_rule("r1")
    for recorded in kibana.requests:
        assert recorded.headers["elastic-api-version"] == API_VERSION
        assert "kbn-xsrf" in recorded.headers


def test_double_rejects_missing_xsrf(kibana):
    response = requests.post(
        f"{kibana.url}/api/detection_engine/rules",
        json=eql_rule("r1"),
        headers={"Authorization": f"ApiKey {API_KEY}"},
        timeout=5,
    )
    assert response.status_code == 400
    assert "kbn-xsrf" in response.json()["message"]


def test_double_rejects_wrong_api_version(kibana):
    response = requests.get(
        f"{kibana.url}/api/detection_engine/rules/_find",
        headers={"Authorization": f"ApiKey {API_KEY}", "elastic-api-version": "1"},
        timeout=5,
    )
    assert response.status_code == 400
    assert 'No version "1" available' in response.json()["message"]


def test_spaces_are_separate(kibana, client):
    credentials = Credentials("ApiKey", "test", API_KEY)
    with KibanaClient(kibana.url, space="soc", credentials=credentials) as soc:
        soc.create_rule(eql_rule("r1"))
        assert soc.read_rule("r1")["rule_id"] == "r1"
    with pytest.raises(KibanaNotFoundError):
        client.read_rule("r1")
    assert "r1" in kibana.rules("soc")
    assert any(r.path.startswith("/s/soc/api/") for r in kibana.requests)


def test_unknown_space_not_found(kibana):
    credentials = Credentials("ApiKey", "test", API_KEY)
    with KibanaClient(kibana.url, space="nope", credentials=credentials) as c:
        with pytest.raises(KibanaNotFoundError):
            c.read_rule("r1")


def test_find_pages_through_all_rules(client, kibana):
    for number in range(23):
        kibana.seed(eql_rule(f"r{number:02d}"))
    kibana.seed(eql_rule("other", tags=["unmanaged"]))
    found = client.find_rules_by_tag("managed-by:dac", per_page=5)
    assert sorted(r["rule_id"] for r in found) == [f"r{n:02d}" for n in range(23)]
    find_calls = [r for r in kibana.requests if r.path.endswith("/_find")]
    assert len(find_calls) == 5
    assert all(r.query["per_page"] == ["5"] for r in find_calls)


def test_find_beyond_result_window_rejected(client):
    with pytest.raises(KibanaBadRequestError, match="Result window"):
        list(client.find_rules(per_page=10_001))


def test_bulk_action_splits_into_chunks_of_100(client, kibana):
    ids = [kibana.seed(eql_rule(f"r{n:03d}"))["id"] for n in range(250)]
    result = client.bulk_action("enable", ids)
    assert len(result["results"]["updated"]) == 250
    assert result["errors"] == []
    bulk_calls = [r for r in kibana.requests if r.path.endswith("/_bulk_action")]
    assert len(bulk_calls) == 3
    assert all(rule["enabled"] for rule in kibana.rules().values())


def test_double_rejects_more_than_100_ids(kibana):
    response = requests.post(
        f"{kibana.url}/api/detection_engine/rules/_bulk_action",
        json={"action": "delete", "ids": [str(n) for n in range(101)]},
        headers={"Authorization": f"ApiKey {API_KEY}", "kbn-xsrf": "x"},
        timeout=5,
    )
    assert response.status_code == 400
    assert "More than 100 ids" in response.json()["message"]


def test_bulk_partial_failure_returned(client, kibana):
    rule_id = kibana.seed(eql_rule("r1"))["id"]
    result = client.bulk_action("delete", [rule_id, "missing-id"])
    assert [r["rule_id"] for r in result["results"]["deleted"]] == ["r1"]
    assert result["errors"][0]["status_code"] == 404
    assert result["errors"][0]["rules"] == [{"id": "missing-id"}]


def test_bulk_concurrency_limit_retried(kibana, sleeps):
    kibana.bulk_slots = __import__("threading").BoundedSemaphore(1)
    kibana.bulk_slots.acquire()  # another client takes the only slot
    credentials = Credentials("ApiKey", "test", API_KEY)
    retry = RetryPolicy(max_attempts=3, base_delay=0.01)
    with KibanaClient(
        kibana.url, credentials=credentials, retry=retry, sleep=sleeps.append
    ) as c:
        rule_id = kibana.seed(eql_rule("r1"))["id"]
        with pytest.raises(KibanaRateLimitError):
            c.bulk_action("disable", [rule_id])
    assert len(sleeps) == 2


def test_retry_after_seconds_honoured(client, kibana, sleeps):
    kibana.add_fault(method="GET", path="/rules", status=429, retry_after="7")
    kibana.seed(eql_rule("r1"))
    assert client.read_rule("r1")["rule_id"] == "r1"
    assert sleeps == [7.0]


def test_retry_after_capped(client, kibana, sleeps):
    kibana.add_fault(method="GET", path="/rules", status=503, retry_after="86400")
    kibana.seed(eql_rule("r1"))
    client.read_rule("r1")
    assert sleeps == [client.retry.max_retry_after]


def test_retry_gives_up_after_max_attempts(client, kibana, sleeps):
    kibana.add_fault(method="GET", path="/rules", status=502, times=10)
    with pytest.raises(KibanaUnavailableError, match="HTTP 502"):
        client.read_rule("r1")
    assert len(sleeps) == client.retry.max_attempts - 1


def test_500_not_retried(client, kibana, sleeps):
    kibana.add_fault(method="GET", path="/rules", status=500)
    with pytest.raises(KibanaResponseError):
        client.read_rule("r1")
    assert sleeps == []


def test_dropped_connection_retried(client, kibana, sleeps):
    kibana.seed(eql_rule("r1"))
    kibana.add_fault(method="GET", path="/rules", kind="drop")
    assert client.read_rule("r1")["rule_id"] == "r1"
    assert len(sleeps) == 1


def test_timeout_retried_then_unavailable(kibana, sleeps):
    kibana.add_fault(method="GET", path="/rules", kind="delay", seconds=1.0, times=2)
    credentials = Credentials("ApiKey", "test", API_KEY)
    retry = RetryPolicy(max_attempts=2, base_delay=0.01)
    with KibanaClient(
        kibana.url,
        credentials=credentials,
        retry=retry,
        timeout=(1.0, 0.2),
        sleep=sleeps.append,
    ) as c:
        with pytest.raises(
            KibanaUnavailableError, match="timed out .* after 2 attempts"
        ):
            c.read_rule("r1")


def test_connection_refused_is_unavailable(sleeps):
    with KibanaDouble() as double:
        url = double.url
    retry = RetryPolicy(max_attempts=2, base_delay=0.01)
    with KibanaClient(url, retry=retry, sleep=sleeps.append) as c:
        with pytest.raises(
            KibanaUnavailableError, match="connection failed .* after 2 attempts"
        ):
            c.read_rule("r1")
    assert len(sleeps) == 1


def test_import_reports_per_rule_errors(client, kibana):
    kibana.seed(eql_rule("existing"))
    answer = client.import_rules(
        [eql_rule("new"), eql_rule("existing"), eql_rule("new")]
    )
    assert answer["success_count"] == 1
    errors = {(e["rule_id"], e["error"]["status_code"]) for e in answer["errors"]}
    assert errors == {("existing", 409), ("new", 400)}
    assert kibana.rules()["new"]["enabled"] is False


def test_import_overwrite_replaces(client, kibana):
    kibana.seed(eql_rule("existing"))
    answer = client.import_rules([eql_rule("existing", name="New")], overwrite=True)
    assert answer["success"] is True
    assert kibana.rules()["existing"]["name"] == "New"


def test_export_ends_with_details(client, kibana):
    kibana.seed(eql_rule("r1"))
    exported = client.export_rules(["r1", "missing"])
    assert exported[0]["rule_id"] == "r1"
    assert exported[-1]["missing_rules"] == [{"rule_id": "missing"}]


def test_preview_returns_logs(client):
    answer = client.preview_rule(eql_rule("r1"), 1, "2026-01-01T00:00:00.000Z")
    assert answer["isAborted"] is False
    assert answer["logs"][0]["errors"] == []


def test_non_json_body_is_response_error(kibana, client):
    kibana.add_fault(method="GET", path="/rules", kind="html", status=200)
    with pytest.raises(KibanaResponseError, match="not JSON"):
        client.read_rule("absent")


def test_parse_retry_after_forms():
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = time.time()
    http_date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now + 30))
    assert 28.0 <= parse_retry_after(http_date, now=now) <= 30.0
    past = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now - 30))
    assert parse_retry_after(past, now=now) == 0.0


def test_backoff_grows_exponentially_with_cap():
    ceilings = []
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0, random_source=lambda lo, hi: hi)
    for attempt in range(5):
        ceilings.append(policy.delay(attempt))
    assert ceilings == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_secret_absent_from_repr_and_debug_logs(kibana, caplog):
    secret = "Zm9vOnN1cGVyLXNlY3JldC1rZXk="
    kibana.api_keys.add(secret)
    credentials = Credentials("ApiKey", "env KIBANA_KEY", secret)
    caplog.set_level(logging.DEBUG)
    with KibanaClient(kibana.url, credentials=credentials) as c:
        c.create_rule(eql_rule("r1"))
        with pytest.raises(KibanaConflictError) as info:
            c.create_rule(eql_rule("r1"))
        texts = [repr(c), repr(credentials), str(credentials), str(info.value)]
    texts.append(caplog.text)
    for text in texts:
        assert secret not in text


def test_url_with_credentials_rejected():
    with pytest.raises(ConfigError, match="must not contain credentials"):
        KibanaClient("https://user:pw@kibana.example:5601")


def test_bulk_duplicate_creates_disabled_copy(client, kibana):
    rule_id = kibana.seed(eql_rule("r1"))["id"]
    options = {"include_exceptions": False, "include_expired_exceptions": False}
    result = client.bulk_action("duplicate", [rule_id], duplicate=options)
    [created] = result["results"]["created"]
    assert created["name"] == "Rule r1 [Duplicate]"
    assert created["enabled"] is False
    assert len(kibana.rules()) == 2


def test_missing_credentials_is_auth_error(kibana):
    with KibanaClient(kibana.url) as anonymous:
        with pytest.raises(KibanaAuthError, match="HTTP 401"):
            anonymous.read_rule("r1")
