from dac.rules import parse_rule
from dac.validation.positions import query_position

MULTI_LINE = "[rule]\nname = 'x'\nquery = '''\nprocess where\n  true\n'''\n"
SAME_LINE = "[rule]\nquery = '''process where\n  true'''\n"
BASIC = '[rule]\nname = "x"\nquery   =   "process where true"\n'


def test_multi_line_literal_shifts_line_only():
    rule = parse_rule(MULTI_LINE, "r.toml")
    assert query_position(rule, 1, 1) == (4, 1)
    assert query_position(rule, 2, 3) == (5, 3)


def test_query_starting_on_key_line():
    rule = parse_rule(SAME_LINE, "r.toml")
    # "query = '''" is 11 characters, so query column 1 is file column 12.
    assert query_position(rule, 1, 1) == (2, 12)
    assert query_position(rule, 2, 3) == (3, 3)


def test_basic_string_after_spaces():
    rule = parse_rule(BASIC, "r.toml")
    # 'query   =   "' is 13 characters.
    assert query_position(rule, 1, 9) == (3, 22)
