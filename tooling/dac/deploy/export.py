"""Export an environment's managed rules from Kibana as TOML rule files."""

from __future__ import annotations

import logging
from pathlib import Path

from dac.deploy.config import Environment
from dac.errors import RuleLoadError
from dac.importers.kibana_ndjson import ImportReport, rule_from_kibana
from dac.kibana import KibanaClient
from dac.rules.dump import write_rule_file

log = logging.getLogger(__name__)

# Rules per _export request, well under Kibana's maxRuleImportExportSize (10,000).
EXPORT_BATCH = 500


def export_environment(
    environment: Environment,
    client: KibanaClient,
    out_dir: Path,
    overwrite: bool = False,
) -> ImportReport:
    """Write every rule carrying the managed tag as ``<name>.toml`` under ``out_dir``.

    Rule ids come from ``_find``; the rules themselves from ``_export``, the
    API that Kibana keeps stable for moving rules between clusters.
    """
    managed = client.find_rules_by_tag(environment.managed_tag)
    rule_ids = sorted(r["rule_id"] for r in managed if r.get("rule_id"))
    log.info("exporting %d managed rules from %s", len(rule_ids), environment.name)
    report = ImportReport()
    for start in range(0, len(rule_ids), EXPORT_BATCH):
        batch = rule_ids[start : start + EXPORT_BATCH]
        for item in client.export_rules(batch):
            if "rule_id" not in item:
                for missing in item.get("missing_rules") or []:
                    report.skipped.append(
                        f"{missing.get('rule_id')}: missing in export"
                    )
                continue
            data = rule_from_kibana(item, environment.managed_tag)
            try:
                report.written.append(write_rule_file(data, out_dir, overwrite))
            except FileExistsError as exc:
                report.skipped.append(
                    f"{item['rule_id']}: {exc.args[0]} exists; pass --overwrite"
                )
            except (RuleLoadError, OSError) as exc:
                report.skipped.append(f"{item['rule_id']}: {exc}")
    return report
