"""Writing rules as TOML: layout, round trips and safe file names."""

from __future__ import annotations

import tomllib

import pytest
from dac.errors import RuleLoadError
from dac.rules import parse_rule
from dac.rules.dump import dump_rule, rule_file_stem, write_rule_file
from hypothesis import given, settings
from hypothesis import strategies as st

QUERY = (
    'process where process.command_line : "*\\\\Temp\\\\*" and\n'
    '  process.name == "a\'b"\n'
)
TACTIC = {
    "id": "TA0002",
    "name": "Execution",
    "reference": "https://attack.mitre.org/tactics/TA0002/",
}


def document(**rule):
    base = {"rule_id": "r-1", "name": "Rule", "type": "eql", "query": QUERY}
    base.update(rule)
    return {"metadata": {"maturity": "production"}, "rule": base}


def test_layout_metadata_then_rule_query_last():
    threat = [{"framework": "MITRE ATT&CK", "tactic": TACTIC}]
    text = dump_rule(document(tags=["b", "a"], threat=threat))
    assert text.index("[metadata]") < text.index("[rule]")
    assert text.index("type = ") < text.index("query = ")
    assert text.index("query = ") < text.index("[[rule.threat]]")
    assert "query = '''\n" in text, "a query is a multi-line literal string"


def test_round_trip_through_rule_loader():
    data = document(risk_score=21, tags=["OS: Windows"])
    rule = parse_rule(dump_rule(data), "r.toml")
    assert rule.query == QUERY
    assert rule.data == data


def test_none_value_rejected():
    with pytest.raises(RuleLoadError, match="cannot write rule as TOML"):
        dump_rule(document(note=None))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=200))
def test_any_string_round_trips(value):
    data = document(description=value, query=value)
    assert tomllib.loads(dump_rule(data)) == data


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Suspicious RunDLL32 Parent", "suspicious_rundll32_parent"),
        ("../../etc/passwd", "etc_passwd"),
        ("C:\\Windows\\evil", "c_windows_evil"),
        ("", "r_1"),
        ("***", "r_1"),
    ],
)
def test_file_stem_is_safe(name, expected):
    assert rule_file_stem(name, "r-1") == expected


def test_write_keeps_other_rules_file(tmp_path):
    first = write_rule_file(document(), tmp_path)
    other = document(rule_id="r-2")
    second = write_rule_file(other, tmp_path)
    assert first.name == "rule.toml"
    assert second.name == "rule_r_2.toml"
    assert tomllib.loads(first.read_text(encoding="utf-8"))["rule"]["rule_id"] == "r-1"


def test_write_same_rule_needs_overwrite(tmp_path):
    write_rule_file(document(), tmp_path)
    with pytest.raises(FileExistsError):
        write_rule_file(document(name="Rule"), tmp_path)
    path = write_rule_file(document(risk_score=5), tmp_path, overwrite=True)
    assert "risk_score = 5" in path.read_text(encoding="utf-8")


SAME_NAME_IDS = ["corp-detection-001", "corp-detection-002", "corp-detection-003"]


def rule_ids_in(directory):
    return sorted(
        tomllib.loads(path.read_text(encoding="utf-8"))["rule"]["rule_id"]
        for path in directory.glob("*.toml")
    )


@pytest.mark.parametrize("overwrite", [False, True])
def test_write_same_name_keeps_every_rule(tmp_path, overwrite):
    paths = [
        write_rule_file(document(rule_id=rule_id), tmp_path, overwrite)
        for rule_id in SAME_NAME_IDS
    ]
    assert len(set(paths)) == 3
    assert rule_ids_in(tmp_path) == SAME_NAME_IDS


def test_write_same_name_rerun_reuses_paths(tmp_path):
    first = [write_rule_file(document(rule_id=r), tmp_path) for r in SAME_NAME_IDS]
    second = [
        write_rule_file(document(rule_id=r, risk_score=7), tmp_path, overwrite=True)
        for r in reversed(SAME_NAME_IDS)
    ]
    assert second == list(reversed(first))
    assert rule_ids_in(tmp_path) == SAME_NAME_IDS


def test_write_skips_taken_suffixed_name(tmp_path):
    (tmp_path / "rule.toml").write_text("not toml [", encoding="utf-8")
    (tmp_path / "rule_r_1.toml").write_text(
        dump_rule(document(rule_id="other")), encoding="utf-8"
    )
    path = write_rule_file(document(), tmp_path, overwrite=True)
    assert path.name == "rule_r_1_2.toml"
    assert (tmp_path / "rule.toml").read_text(encoding="utf-8") == "not toml ["


def test_write_finds_rule_after_gap(tmp_path):
    (tmp_path / "rule_r_1_2.toml").write_text(dump_rule(document()), encoding="utf-8")
    (tmp_path / "rule_r_1.toml").write_text(
        dump_rule(document(rule_id="other")), encoding="utf-8"
    )
    with pytest.raises(FileExistsError):
        write_rule_file(document(), tmp_path)
    path = write_rule_file(document(risk_score=9), tmp_path, overwrite=True)
    assert path.name == "rule_r_1_2.toml"
    assert not (tmp_path / "rule.toml").exists()


def test_carriage_return_kept():
    data = document(note="line one\r\nline two\r\n")
    assert tomllib.loads(dump_rule(data)) == data


def test_query_columns_match_file_columns():
    query = 'process where process.name : "C:\\\\Temp\\\\*.exe" and x == "a\\"b"\n'
    text = dump_rule(document(query=query))
    assert "\n" + query in text
    assert tomllib.loads(text)["rule"]["query"] == query


def test_query_with_triple_quote_stays_escaped():
    query = "process where x == \"'''\"\n"
    text = dump_rule(document(query=query))
    assert "query = '''" not in text
    assert tomllib.loads(text)["rule"]["query"] == query
