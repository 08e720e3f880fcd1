"""Engine errors on hostile regex patterns: clear, short, never a crash."""

import pytest
from dac.engine import compile_query
from dac.errors import EqlSemanticError


def test_deeply_nested_regex_is_semantic_error():
    pattern = "(" * 1800 + "a" + ")" * 1800
    with pytest.raises(EqlSemanticError, match="nests groups too deeply"):
        compile_query(f'any where x regex "{pattern}"')


def test_long_invalid_regex_message_is_truncated():
    pattern = "a" * 5000
    with pytest.raises(EqlSemanticError) as caught:
        compile_query(f'any where x regex "{pattern}"')
    assert len(str(caught.value)) < 300
    assert "longer than 4096" in str(caught.value)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (".*foo.*bar.*", "foobar"),
        ("a[0-9]{3}", "a000"),
        ("https?://[0-9]{1,3}(\\.[0-9]{1,3}){3}.*", "http://0.0.0.0"),
        ("[a", None),
        ("#", None),
    ],
)
def test_shortest_match_examples(pattern: str, expected: str | None) -> None:
    from dac.engine import shortest_match

    assert shortest_match(pattern) == expected
