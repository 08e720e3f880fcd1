"""Import Sigma rules as Elastic EQL rules, converted with pySigma."""

from dac.importers.sigma.convert import (
    ConvertedRule,
    Rejection,
    convert_rule,
    rule_id_for,
)
from dac.importers.sigma.importer import ImportReport, import_sigma

__all__ = [
    "ConvertedRule",
    "ImportReport",
    "Rejection",
    "convert_rule",
    "import_sigma",
    "rule_id_for",
]
