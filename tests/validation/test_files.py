import os

import pytest
from dac.validation.files import discover, load


def test_discover_sorts_and_filters(tmp_path):
    (tmp_path / "b.toml").write_text("")
    (tmp_path / "a.toml").write_text("")
    (tmp_path / "notes.md").write_text("")
    found = [f.path.name for f in discover([tmp_path])]
    assert found == ["a.toml", "b.toml"]


def test_explicit_file_kept_whatever_its_name(tmp_path):
    path = tmp_path / "rule.txt"
    path.write_text("")
    (found,) = discover([path])
    assert found.path == path
    assert found.problem is None


def test_missing_path_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        list(discover([tmp_path / "absent"]))


@pytest.mark.skipif(os.name != "posix", reason="symlinks need a POSIX file system")
def test_broken_symlink_reported(tmp_path):
    (tmp_path / "gone.toml").symlink_to(tmp_path / "missing.toml")
    (found,) = discover([tmp_path])
    diagnostic = load(found)
    assert diagnostic.code == "DAC100"
    assert "broken symlink" in diagnostic.message


def test_bom_gets_its_own_code(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf[rule]\nname = 'x'\n")
    (found,) = discover([path])
    assert load(found).code == "DAC105"
