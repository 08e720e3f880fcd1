"""Field schemas, the ATT&CK table and index templates.

Tables are generated from pinned public sources by ``dac.schemas.generate``
and shipped under ``data/``; docs/schemas.md names each source.
"""

from dac.schemas.attack import Attack, Tactic, Technique, load_attack
from dac.schemas.indexes import CATALOG, IndexSchema, match_pattern, resolve_indexes
from dac.schemas.tables import FieldTable, load_table, table_names, union_tables
from dac.schemas.templates import all_index_templates, index_template

__all__ = [
    "CATALOG",
    "Attack",
    "FieldTable",
    "IndexSchema",
    "Tactic",
    "Technique",
    "all_index_templates",
    "index_template",
    "load_attack",
    "load_table",
    "match_pattern",
    "resolve_indexes",
    "table_names",
    "union_tables",
]
