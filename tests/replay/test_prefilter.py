"""Replay's rule prefilter: same alerts as evaluating every rule on every event."""

from __future__ import annotations

import random

import pytest
from dac.eql import parse_query
from dac.replay import replay
from dac.replay.prefilter import query_filters, requirement_of
from dac.rules import load_rule
from dac.testing.backend import EmbeddedBackend
from testing.rulefiles import write_rule

QUERIES = [
    'process where process.name : "cmd.exe"',
    'process where process.name == "CMD.EXE" and process.parent.name : "x.exe"',
    'process where process.name in ("cmd.exe", "a.exe")',
    'process where process.name in~ ("CMD.exe", "A.EXE")',
    'process where process.name like~ "cmd.*"',
    'process where process.name like "cmd.*"',
    'process where process.command_line : "*\\\\temp\\\\*"',
    'process where process.command_line : ("*-ENC*", "*http*")',
    'process where process.args : "/c" and event.type == "start"',
    "process where process.pid == 4444",
    "process where process.pid in (4444, 1)",
    'any where process.name : "a.exe"',
    'process where not process.name : "cmd.exe"',
    'process where process.name : "cmd.exe" or process.name : "a.exe"',
    "sequence by process.entity_id with maxspan=1m\n"
    '  [process where process.name : "cmd.exe"]\n'
    "  [network where destination.port == 4444]",
    "sequence with maxspan=1m\n"
    '  [process where process.name : "a.exe"] by process.entity_id\n'
    '  [process where process.name : "cmd.exe"] by process.parent.entity_id\n'
    '  until [process where event.type == "end"] by process.entity_id',
]

NAMES = ["cmd.exe", "CMD.EXE", "Cmd.Exe", "a.exe", "A.EXE", "b.exe", "cmd.com"]
COMMAND_LINES = [
    "x -enc AAA",
    "C:\\Temp\\x.exe",
    "curl http://x",
    "plain",
    "C:\\TEMP\\y",
]


def documents(count: int) -> list[dict]:
    rng = random.Random(7)
    docs = []
    for index in range(count):
        category = rng.choice(["process", "process", "network"])
        stamp = f"2025-01-15T10:{index // 60:02d}:{index % 60:02d}.000Z"
        entity = str(rng.randint(1, 4))
        process: dict = {
            "entity_id": entity,
            "parent": {"entity_id": str(rng.randint(1, 4))},
        }
        if rng.random() < 0.9:
            process["name"] = rng.choice(NAMES)
        if rng.random() < 0.5:
            process["command_line"] = rng.choice(COMMAND_LINES)
        if rng.random() < 0.3:
            process["args"] = rng.sample(["/c", "/C", "x", "-enc"], 2)
        pid = rng.choice([4444, "4444", 1, 77, None])
        if pid is not None:
            process["pid"] = pid
        doc = {
            "@timestamp": stamp,
            "event": {
                "category": [category],
                "type": [rng.choice(["start", "end"])],
                "ingested": stamp,
            },
            "process": process,
            "_index": f"logs-endpoint.events.{category}-default",
        }
        if category == "network":
            doc["destination"] = {"port": rng.choice([4444, 443])}
        if rng.random() < 0.1:
            # Dotted keys at the top level are read like nested ones.
            doc["process.name"] = doc["process"].pop("name", "cmd.exe")
        docs.append(doc)
    return docs


def test_replay_matches_brute_force(tmp_path):
    rules = [
        load_rule(
            write_rule(
                tmp_path / "rules",
                stem=f"r{number}",
                query=query,
                index='["logs-endpoint.events.*"]',
                rule_id=f"00000000-0000-4000-8000-{number:012d}",
            )
        )
        for number, query in enumerate(QUERIES)
    ]
    docs = documents(600)
    backend = EmbeddedBackend()
    expected = {
        rule.rule_id: sorted(
            tuple(id(event) for event in alert.events)
            for alert in backend.run(rule, docs)
        )
        for rule in rules
    }
    result = replay(rules, iter(docs), batch_size=50)
    got = {rule.rule_id: [] for rule in rules}
    for alert in result.alerts:
        got[alert.rule_id].append(tuple(id(event) for event in alert.events))
    for rule in rules:
        assert sorted(got[rule.rule_id]) == expected[rule.rule_id], rule.query
    assert sum(map(len, expected.values())) > 100


@pytest.mark.parametrize(
    ("query", "field", "kind", "values"),
    [
        (
            'process where process.name : "CMD.exe"',
            "process.name",
            "equals",
            {"cmd.exe"},
        ),
        (
            'process where event.type == "start" and process.command_line : "*-Enc *"',
            "process.command_line",
            "contains",
            {"-enc "},
        ),
        (
            'process where host.os.type == "windows"',
            "host.os.type",
            "equals",
            {"windows"},
        ),
        (
            "network where destination.port in (80, 443)",
            "destination.port",
            "number",
            {80.0, 443.0},
        ),
        (
            'process where process.parent.name : "x" and process.name : ("a", "b")',
            "process.name",
            "equals",
            {"a", "b"},
        ),
    ],
)
def test_requirement_choice(query, field, kind, values):
    (event_filter,) = query_filters(parse_query(query))
    requirement = requirement_of(event_filter)
    assert requirement.field == field
    assert requirement.kind == kind
    assert requirement.values == frozenset(values)


@pytest.mark.parametrize(
    "query",
    [
        'process where process.name : "*"',
        'process where not process.name : "cmd.exe"',
        'process where process.name : "a" or process.pid == 1',
        'process where process.name != "cmd.exe"',
    ],
)
def test_no_requirement(query):
    (event_filter,) = query_filters(parse_query(query))
    assert requirement_of(event_filter) is None


def test_requirement_path_of_backticked_name():
    query = 'process where `process.parent.name` : "bash"'
    (event_filter,) = query_filters(parse_query(query))
    requirement = requirement_of(event_filter)
    assert requirement.field == "process.parent.name"
    assert requirement.path == ("process", "parent", "name")


def test_replay_backticked_name_finds_nested_and_dotted(tmp_path):
    rule = load_rule(
        write_rule(
            tmp_path / "rules",
            stem="backticks",
            query='process where `process.name` == "cat"',
            index='["logs-endpoint.events.*"]',
            rule_id="00000000-0000-4000-8000-000000000099",
        )
    )
    index = {"_index": "logs-endpoint.events.process-default"}
    docs = [
        {
            **index,
            "@timestamp": 1,
            "event": {"category": "process"},
            "process": {"name": "cat"},
        },
        {**index, "@timestamp": 2, "event.category": "process", "process.name": "cat"},
        {
            **index,
            "@timestamp": 3,
            "event": {"category": "process"},
            "process": {"name": "dog"},
        },
    ]
    result = replay([rule], iter(docs))
    matched = [alert.events[0]["@timestamp"] for alert in result.alerts]
    assert matched == [1, 2]


def test_sequence_filters_include_until():
    query = parse_query(
        "sequence [process where true] [file where true] until [process where false]"
    )
    assert [f.category for f in query_filters(query)] == ["process", "file", "process"]
