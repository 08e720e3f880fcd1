"""Plan and apply against the Kibana test double, including faults halfway."""

from __future__ import annotations

import pytest
from dac.deploy import PlanError, VersionLock, apply_plan, build_plan
from dac.deploy.convert import recorded_hash

RULE_C = "cccccccc-0000-4000-8000-00000000000c"


def plan_for(repo, client, lock=None, prune=False):
    return build_plan(repo.environment(), client, lock=lock, prune=prune)


def deploy(repo, client, prune=False):
    plan = plan_for(repo, client, prune=prune)
    return plan, apply_plan(plan, client, "managed-by:dac", prune)


def retire_rule_c(repo):
    """Move rule C to development, which the production-only filter excludes."""
    repo.add_rule(RULE_C, "Rule C", maturity="development")
    repo.write_config(rules_table='maturity = ["production"]')


def test_empty_kibana_plans_creates(repo, client):
    plan = plan_for(repo, client)
    assert plan.counts()["create"] == 3
    desired = plan.by_action("create")[0].desired
    assert desired["enabled"] is True
    assert "managed-by:dac" in desired["tags"]
    assert "metadata" not in desired
    assert "transform" not in desired
    assert desired["interval"] == "5m"


def test_apply_creates_then_plan_is_clean(repo, client, kibana):
    _, results = deploy(repo, client)
    assert [r.outcome for r in results] == ["created"] * 3
    stored = kibana.rules()
    assert set(stored) == {
        "aaaaaaaa-0000-4000-8000-00000000000a",
        "bbbbbbbb-0000-4000-8000-00000000000b",
        "cccccccc-0000-4000-8000-00000000000c",
    }
    assert stored["aaaaaaaa-0000-4000-8000-00000000000a"]["enabled"] is True
    assert recorded_hash(stored["aaaaaaaa-0000-4000-8000-00000000000a"]) is not None
    again = plan_for(repo, client)
    assert again.counts()["unchanged"] == 3
    assert not again.has_changes(prune=True)


def test_changed_query_plans_update(repo, client, kibana):
    deploy(repo, client)
    repo.add_rule(
        "bbbbbbbb-0000-4000-8000-00000000000b",
        "Rule B",
        query='process where process.name == "x.exe"',
    )
    plan = plan_for(repo, client)
    [update] = plan.by_action("update")
    assert update.rule_id == "bbbbbbbb-0000-4000-8000-00000000000b"
    assert update.changed_fields == ["query"]
    assert update.drift is False
    assert update.version_not_raised is True
    assert [d.code for d in update.errors] == ["DAC905"]
    with pytest.raises(PlanError):
        deploy(repo, client)
    repo.add_rule(
        "bbbbbbbb-0000-4000-8000-00000000000b",
        "Rule B",
        query='process where process.name == "x.exe"',
        extra="version = 2",
    )
    _, results = deploy(repo, client)
    assert [r.outcome for r in results] == ["updated"]
    assert "x.exe" in kibana.rules()["bbbbbbbb-0000-4000-8000-00000000000b"]["query"]
    assert kibana.rules()["bbbbbbbb-0000-4000-8000-00000000000b"]["revision"] == 1


def test_edit_in_kibana_shows_drift(repo, client, kibana):
    deploy(repo, client)
    kibana.edit_in_ui(
        "aaaaaaaa-0000-4000-8000-00000000000a", risk_score=99, severity="critical"
    )
    plan = plan_for(repo, client)
    [update] = plan.by_action("update")
    assert update.rule_id == "aaaaaaaa-0000-4000-8000-00000000000a"
    assert update.drift is True
    assert update.changed_fields == ["risk_score", "severity"]
    assert update.changes["risk_score"] == (99, 21)
    assert update.repository_changed is False
    deploy(repo, client)
    assert kibana.rules()["aaaaaaaa-0000-4000-8000-00000000000a"]["risk_score"] == 21
    assert plan_for(repo, client).drifted == []


def test_disabled_in_kibana_is_drift(repo, client, kibana):
    deploy(repo, client)
    kibana.edit_in_ui("cccccccc-0000-4000-8000-00000000000c", enabled=False)
    [update] = plan_for(repo, client).by_action("update")
    assert update.changed_fields == ["enabled"]
    assert update.drift is True


def test_removed_rule_deleted_only_with_prune(repo, client, kibana):
    deploy(repo, client)
    (repo.rules_dir / "cccccccc-0000-4000-8000-00000000000c.toml").unlink()
    plan, results = deploy(repo, client, prune=False)
    assert [c.rule_id for c in plan.by_action("delete")] == [
        "cccccccc-0000-4000-8000-00000000000c"
    ]
    assert [(r.rule_id, r.outcome) for r in results] == [
        ("cccccccc-0000-4000-8000-00000000000c", "skipped")
    ]
    assert "cccccccc-0000-4000-8000-00000000000c" in kibana.rules()
    _, results = deploy(repo, client, prune=True)
    assert [(r.rule_id, r.outcome) for r in results] == [
        ("cccccccc-0000-4000-8000-00000000000c", "deleted")
    ]
    assert "cccccccc-0000-4000-8000-00000000000c" not in kibana.rules()


def test_unmanaged_rule_never_deleted(repo, client, kibana):
    kibana.seed(
        {
            "rule_id": "hand-made",
            "name": "Made in the UI",
            "description": "d",
            "risk_score": 1,
            "severity": "low",
            "type": "query",
            "tags": ["team:soc"],
        }
    )
    plan, _ = deploy(repo, client, prune=True)
    assert "hand-made" not in [c.rule_id for c in plan.changes]
    assert "hand-made" in kibana.rules()


def test_retired_rule_planned_as_disable(repo, client, kibana):
    deploy(repo, client)
    retire_rule_c(repo)
    plan = plan_for(repo, client)
    disabled = plan.by_action("disable")
    assert [c.rule_id for c in disabled] == [RULE_C]
    assert disabled[0].retired
    assert disabled[0].changes == {"enabled": (True, False)}
    assert plan.has_changes()


def test_retired_rule_disabled_by_deploy(repo, client, kibana):
    deploy(repo, client)
    retire_rule_c(repo)
    _, results = deploy(repo, client)
    assert [(r.rule_id, r.outcome) for r in results] == [(RULE_C, "disabled")]
    assert kibana.rules()[RULE_C]["enabled"] is False
    plan = plan_for(repo, client)
    assert [c.rule_id for c in plan.by_action("excluded")] == [RULE_C]
    assert plan.drifted == []
    assert not plan.has_changes()


def test_retired_rule_deleted_with_prune(repo, client, kibana):
    deploy(repo, client)
    retire_rule_c(repo)
    plan, results = deploy(repo, client, prune=True)
    assert [c.rule_id for c in plan.by_action("delete")] == [RULE_C]
    assert plan.by_action("disable") == []
    assert [(r.rule_id, r.outcome) for r in results] == [(RULE_C, "deleted")]
    assert RULE_C not in kibana.rules()


def test_disabling_all_rules_rejected(repo, client, kibana):
    deploy(repo, client)
    repo.write_config(rules_table='tags = ["no-rule-has-this-tag"]')
    plan = plan_for(repo, client)
    assert len(plan.by_action("disable")) == 3
    with pytest.raises(PlanError, match=r"would disable or delete 3 managed rule\(s\)"):
        apply_plan(plan, client, "managed-by:dac")
    assert all(rule["enabled"] for rule in kibana.rules().values())


def test_unreadable_rule_file_stops_plan(repo, client, kibana):
    deploy(repo, client)
    (repo.rules_dir / "cccccccc-0000-4000-8000-00000000000c.toml").write_text(
        "[rule\nbroken", encoding="utf-8"
    )
    with pytest.raises(PlanError, match="cccccccc-0000-4000-8000-00000000000c.toml"):
        plan_for(repo, client)
    assert "cccccccc-0000-4000-8000-00000000000c" in kibana.rules()


def test_duplicate_rule_id_stops_plan(repo, client):
    (repo.rules_dir / "copy.toml").write_text(
        (repo.rules_dir / "aaaaaaaa-0000-4000-8000-00000000000a.toml").read_text(
            encoding="utf-8"
        ),
        encoding="utf-8",
    )
    with pytest.raises(
        PlanError, match="rule_id aaaaaaaa-0000-4000-8000-00000000000a is used by"
    ):
        plan_for(repo, client)


def test_prune_rejected_for_empty_selection(repo, client, kibana):
    deploy(repo, client)
    repo.write_config(rules_table='maturity = ["beta"]')
    for path in repo.rules_dir.iterdir():
        path.unlink()
    plan = plan_for(repo, client)
    with pytest.raises(
        PlanError,
        match=r"would disable or delete 3 managed rule\(s\) of .* and keep none",
    ):
        apply_plan(plan, client, "managed-by:dac", prune=True)
    assert len(kibana.rules()) == 3


RULE_A = "aaaaaaaa-0000-4000-8000-00000000000a"
UNMANAGED_RULE = {
    "rule_id": RULE_A,
    "name": "Old copy",
    "description": "d",
    "risk_score": 1,
    "severity": "low",
    "type": "eql",
    "language": "eql",
    "query": "any where true",
}


def test_unmanaged_rule_planned_as_replace(repo, client, kibana):
    kibana.seed(UNMANAGED_RULE)

    plan = plan_for(repo, client)

    [replace] = plan.by_action("replace")
    assert replace.rule_id == RULE_A
    assert replace.current["name"] == "Old copy"
    assert plan.counts()["create"] == 2
    assert plan.counts()["replace"] == 1


def test_replace_rejected_without_adopt(repo, client, kibana):
    kibana.seed(UNMANAGED_RULE)
    plan = plan_for(repo, client)

    with pytest.raises(PlanError) as caught:
        apply_plan(plan, client, "managed-by:dac")

    message = str(caught.value)
    assert "without the managed tag" in message
    assert f"{RULE_A} ('Old copy')" in message
    assert "--adopt" in message
    assert kibana.rules()[RULE_A]["name"] == "Old copy"
    assert len(kibana.rules()) == 1


def test_replace_applied_with_adopt(repo, client, kibana):
    kibana.seed(UNMANAGED_RULE)
    plan = plan_for(repo, client)

    results = apply_plan(plan, client, "managed-by:dac", adopt=True)

    outcome = {r.rule_id: r.outcome for r in results}
    assert outcome == {
        RULE_A: "replaced",
        "bbbbbbbb-0000-4000-8000-00000000000b": "created",
        "cccccccc-0000-4000-8000-00000000000c": "created",
    }
    assert kibana.rules()[RULE_A]["name"] == "Rule A"
    assert "managed-by:dac" in kibana.rules()[RULE_A]["tags"]
    assert plan_for(repo, client).counts()["unchanged"] == 3


def test_create_conflict_unmanaged_not_replaced(repo, client, kibana):
    """A rule created in Kibana after the plan looked is not overwritten."""
    plan = plan_for(repo, client)
    kibana.seed(UNMANAGED_RULE)

    results = apply_plan(plan, client, "managed-by:dac")

    [result] = [r for r in results if r.rule_id == RULE_A]
    assert result.outcome == "failed"
    assert "without the managed tag (name 'Old copy')" in result.message
    assert "--adopt" in result.message
    assert kibana.rules()[RULE_A]["name"] == "Old copy"


def test_create_conflict_managed_becomes_update(repo, client, kibana):
    """A 409 from a managed copy, left by an earlier timed-out create."""
    plan = plan_for(repo, client)
    kibana.seed({**UNMANAGED_RULE, "tags": ["managed-by:dac"]})

    results = apply_plan(plan, client, "managed-by:dac")

    outcome = {r.rule_id: r.outcome for r in results}
    assert outcome[RULE_A] == "updated"
    assert kibana.rules()[RULE_A]["name"] == "Rule A"


def test_failure_halfway_then_rerun_converges(repo, client, kibana):
    kibana.add_fault(
        method="POST",
        path="/rules",
        status=503,
        times=3,
        body_contains="bbbbbbbb-0000-4000-8000-00000000000b",
    )
    _, results = deploy(repo, client)
    outcome = {r.rule_id: r.outcome for r in results}
    assert outcome == {
        "aaaaaaaa-0000-4000-8000-00000000000a": "created",
        "bbbbbbbb-0000-4000-8000-00000000000b": "failed",
        "cccccccc-0000-4000-8000-00000000000c": "created",
    }
    assert "HTTP 503" in next(r.message for r in results if r.failed)
    _, results = deploy(repo, client)
    assert [(r.rule_id, r.outcome) for r in results] == [
        ("bbbbbbbb-0000-4000-8000-00000000000b", "created")
    ]
    assert not plan_for(repo, client).has_changes(prune=True)


def test_server_error_on_update_is_per_rule(repo, client, kibana):
    deploy(repo, client)
    for rule_id in (
        "aaaaaaaa-0000-4000-8000-00000000000a",
        "bbbbbbbb-0000-4000-8000-00000000000b",
    ):
        repo.add_rule(
            rule_id, rule_id.upper(), query="process where true", extra="version = 2"
        )
    kibana.add_fault(
        method="PUT",
        path="/rules",
        status=500,
        body_contains="aaaaaaaa-0000-4000-8000-00000000000a",
    )
    _, results = deploy(repo, client)
    outcome = {r.rule_id: r.outcome for r in results}
    assert outcome == {
        "aaaaaaaa-0000-4000-8000-00000000000a": "failed",
        "bbbbbbbb-0000-4000-8000-00000000000b": "updated",
    }
    _, results = deploy(repo, client)
    assert [(r.rule_id, r.outcome) for r in results] == [
        ("aaaaaaaa-0000-4000-8000-00000000000a", "updated")
    ]


def test_timeout_after_create_is_not_lost(repo, kibana):
    from dac.kibana import RetryPolicy

    kibana.add_fault(
        method="POST",
        path="/rules",
        kind="delay",
        seconds=0.6,
        when="after",
        body_contains="aaaaaaaa-0000-4000-8000-00000000000a",
    )
    environment = repo.environment()
    retry = RetryPolicy(max_attempts=3, base_delay=0.0, max_delay=0.0)
    with environment.client(
        retry=retry, timeout=(1.0, 0.3), sleep=lambda _: None
    ) as client:
        plan = build_plan(environment, client)
        results = apply_plan(plan, client, "managed-by:dac")
        outcome = {r.rule_id: r.outcome for r in results}
        assert outcome["aaaaaaaa-0000-4000-8000-00000000000a"] == "updated", (
            "the retried POST hit 409, then PUT"
        )
        assert set(kibana.rules()) == {
            "aaaaaaaa-0000-4000-8000-00000000000a",
            "bbbbbbbb-0000-4000-8000-00000000000b",
            "cccccccc-0000-4000-8000-00000000000c",
        }
        assert not build_plan(environment, client).has_changes()


def test_dropped_connection_during_delete_converges(repo, client, kibana):
    deploy(repo, client)
    for name in (
        "aaaaaaaa-0000-4000-8000-00000000000a",
        "bbbbbbbb-0000-4000-8000-00000000000b",
    ):
        (repo.rules_dir / f"{name}.toml").unlink()
    kibana.add_fault(method="POST", path="/_bulk_action", kind="drop", when="after")
    _, results = deploy(repo, client, prune=True)
    assert sorted((r.rule_id, r.outcome) for r in results) == [
        ("aaaaaaaa-0000-4000-8000-00000000000a", "deleted"),
        ("bbbbbbbb-0000-4000-8000-00000000000b", "deleted"),
    ]
    assert set(kibana.rules()) == {"cccccccc-0000-4000-8000-00000000000c"}


def test_prune_deletes_in_chunks_of_100(repo, client, kibana):
    for number in range(230):
        kibana.seed(
            {
                "rule_id": f"old-{number}",
                "name": f"Old {number}",
                "description": "d",
                "risk_score": 1,
                "severity": "low",
                "type": "query",
                "tags": ["managed-by:dac"],
            }
        )
    _, results = deploy(repo, client, prune=True)
    assert sum(r.outcome == "deleted" for r in results) == 230
    bulk = [r for r in kibana.requests if r.path.endswith("/_bulk_action")]
    assert len(bulk) == 3
    assert set(kibana.rules()) == {
        "aaaaaaaa-0000-4000-8000-00000000000a",
        "bbbbbbbb-0000-4000-8000-00000000000b",
        "cccccccc-0000-4000-8000-00000000000c",
    }


def test_bulk_429_retried(repo, client, kibana):
    deploy(repo, client)
    (repo.rules_dir / "aaaaaaaa-0000-4000-8000-00000000000a.toml").unlink()
    kibana.add_fault(method="POST", path="/_bulk_action", status=429, retry_after="0")
    _, results = deploy(repo, client, prune=True)
    assert [(r.rule_id, r.outcome) for r in results] == [
        ("aaaaaaaa-0000-4000-8000-00000000000a", "deleted")
    ]


def test_locked_version_sent_when_toml_has_none(repo, client, kibana, tmp_path):
    lock_path = tmp_path / "version.lock.json"
    lock_path.write_text(
        '{"aaaaaaaa-0000-4000-8000-00000000000a": {"version": 4, "sha256": "x"}}',
        encoding="utf-8",
    )
    lock = VersionLock.load(lock_path)
    plan = plan_for(repo, client, lock=lock)
    versions = {c.rule_id: c.desired["version"] for c in plan.changes}
    assert versions == {
        "aaaaaaaa-0000-4000-8000-00000000000a": 4,
        "bbbbbbbb-0000-4000-8000-00000000000b": 1,
        "cccccccc-0000-4000-8000-00000000000c": 1,
    }


def test_space_prefix_used(repo, kibana, monkeypatch):
    kibana.spaces["soc"] = {}
    repo.write_config(extra_env='space = "soc"')
    environment = repo.environment()
    with environment.client(sleep=lambda _: None) as client:
        plan = build_plan(environment, client)
        apply_plan(plan, client, "managed-by:dac")
    assert set(kibana.rules("soc")) == {
        "aaaaaaaa-0000-4000-8000-00000000000a",
        "bbbbbbbb-0000-4000-8000-00000000000b",
        "cccccccc-0000-4000-8000-00000000000c",
    }
    assert kibana.rules("default") == {}


def test_drift_and_repository_change_together(repo, client, kibana):
    deploy(repo, client)
    kibana.edit_in_ui("aaaaaaaa-0000-4000-8000-00000000000a", risk_score=99)
    repo.add_rule(
        "aaaaaaaa-0000-4000-8000-00000000000a", "Rule A", query="process where true"
    )
    [update] = plan_for(repo, client).by_action("update")
    assert update.drift is True
    assert update.repository_changed is True
    assert update.changed_fields == ["query", "risk_score"]


def test_raised_version_not_flagged(repo, client, kibana):
    deploy(repo, client)
    repo.add_rule(
        "bbbbbbbb-0000-4000-8000-00000000000b",
        "Rule B",
        query="process where true",
        extra="version = 2",
    )
    [update] = plan_for(repo, client).by_action("update")
    assert update.changed_fields == ["query", "version"]
    assert update.version_not_raised is False


def test_reverting_kibana_edit_keeps_version(repo, client, kibana):
    deploy(repo, client)
    kibana.edit_in_ui("aaaaaaaa-0000-4000-8000-00000000000a", risk_score=99)
    [update] = plan_for(repo, client).by_action("update")
    assert update.version_not_raised is False


def test_unreachable_kibana_stops_after_three(repo, client, kibana):
    for number in range(5):
        repo.add_rule(f"00000000-0000-4000-8000-{number:012d}", f"Rule X{number}")
    kibana.add_fault(method="POST", path="/rules", status=503, times=100)
    _, results = deploy(repo, client)
    assert len(results) == 8
    assert all(r.failed for r in results)
    attempted = [r for r in results if "not attempted" not in r.message]
    assert len(attempted) == 3
    posts = [r for r in kibana.requests if r.method == "POST"]
    assert len(posts) == 3 * client.retry.max_attempts
    kibana.faults.clear()
    _, results = deploy(repo, client)
    assert [r.outcome for r in results] == ["created"] * 8


def test_one_unreachable_rule_does_not_stop_others(repo, client, kibana):
    kibana.add_fault(
        method="POST",
        path="/rules",
        status=503,
        times=3,
        body_contains="aaaaaaaa-0000-4000-8000-00000000000a",
    )
    _, results = deploy(repo, client)
    outcome = {r.rule_id: r.outcome for r in results}
    assert outcome == {
        "aaaaaaaa-0000-4000-8000-00000000000a": "failed",
        "bbbbbbbb-0000-4000-8000-00000000000b": "created",
        "cccccccc-0000-4000-8000-00000000000c": "created",
    }
