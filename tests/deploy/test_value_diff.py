"""How the plan describes one field's change: strings, lines and lists."""

from __future__ import annotations

import pytest
from dac.deploy.value_diff import MAX_VALUE_CHARS, describe_change

PREFIX = "x" * 80


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("low", "high", ['"low" -> "high"']),
        (21, 47, ["21 -> 47"]),
        (
            PREFIX + ' and user.name : "admin"',
            PREFIX + ' and user.name : "root"',
            ['...xx and user.name : "[-admin-]{+root+}"'],
        ),
        (PREFIX + "\n", PREFIX + "y\n", ["...xxxxxxxxxxxxxxxxxxxx{+y+}\\n"]),
        (
            "a\nb\nc\nd",
            "a\nb\nC\nd",
            ["@@ -2,3 +2,3 @@", " b", "-c", "+C", " d"],
        ),
        (["OS: Windows"], ["OS: Windows", "analyst:reviewed"], ["+ analyst:reviewed"]),
        (["a", "b"], ["a"], ["- b"]),
        (None, ["a"], ["+ a"]),
        (["a", "b"], ["b", "a"], ['same items, new order: ["b", "a"]']),
        ([{"id": 1}], [{"id": 2}], ['- {"id": 1}', '+ {"id": 2}']),
    ],
)
def test_describe_change_cases(old, new, expected):
    assert describe_change(old, new) == expected


def test_long_values_cut_with_ellipsis():
    [line] = describe_change({"a": "x" * 200}, {"a": "y" * 200})
    old, new = line.split(" -> ")
    assert len(old) == MAX_VALUE_CHARS
    assert old.endswith("...")
    assert len(new) == MAX_VALUE_CHARS


def test_long_replacement_part_cut():
    [line] = describe_change("a" * 30 + "b" * 100, "a" * 30 + "c" * 100)
    assert line.startswith("...aaaaaaaaaaaaaaaaaaaa[-bbb")
    assert "b" * 58 not in line
    assert line.endswith("...+}")
