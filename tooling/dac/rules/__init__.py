"""Rule model and TOML loading (elastic/detection-rules format)."""

from dac.rules.loader import iter_rule_files, load_rule, load_rules, parse_rule
from dac.rules.model import Rule

__all__ = ["Rule", "iter_rule_files", "load_rule", "load_rules", "parse_rule"]
