"""Fixtures shared by the test-case tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def rule_folder(tmp_path: Path) -> Path:
    """A folder for rules written by a test (created on first write)."""
    return tmp_path / "rules"
