"""Deploy rules to Kibana as plan/apply, with environments and a version lock."""

from dac.deploy.apply import ApplyResult, apply_plan
from dac.deploy.config import (
    DEFAULT_CONFIG,
    DeployConfig,
    Environment,
    load_config,
)
from dac.deploy.convert import comparable, content_hash, lock_hash, to_kibana
from dac.deploy.plan import Plan, PlanError, RuleChange, build_plan, load_repository
from dac.deploy.render import render_plan, render_results
from dac.deploy.versions import VersionLock, bump_versions

__all__ = [
    "DEFAULT_CONFIG",
    "ApplyResult",
    "DeployConfig",
    "Environment",
    "Plan",
    "PlanError",
    "RuleChange",
    "VersionLock",
    "apply_plan",
    "build_plan",
    "bump_versions",
    "comparable",
    "content_hash",
    "load_config",
    "load_repository",
    "lock_hash",
    "render_plan",
    "render_results",
    "to_kibana",
]
