"""The ATT&CK table."""

from __future__ import annotations

from dac.schemas import load_attack


def test_attack_version_is_recorded():
    assert load_attack().version == "18.1"


def test_powershell_is_execution_subtechnique():
    technique = load_attack().techniques["T1059.001"]
    assert technique.name == "PowerShell"
    assert technique.tactics == ("TA0002",)
    assert technique.parent == "T1059"
    assert not technique.deprecated
    assert not technique.revoked


def test_rundll32_is_defense_evasion_subtechnique():
    attack = load_attack()
    technique = attack.techniques["T1218.011"]
    assert technique.name == "Rundll32"
    assert "TA0005" in technique.tactics
    assert technique.parent == "T1218"
    assert attack.techniques["T1218"].name == "System Binary Proxy Execution"


def test_tactic_names_and_shortnames():
    tactics = load_attack().tactics
    assert tactics["TA0002"].name == "Execution"
    assert tactics["TA0002"].shortname == "execution"
    assert tactics["TA0005"].name == "Defense Evasion"
    assert tactics["TA0005"].shortname == "defense-evasion"
    assert tactics["TA0011"].name == "Command and Control"
    assert len(tactics) == 14


def test_tactic_by_name():
    attack = load_attack()
    assert attack.tactic_by_name("Defense Evasion").id == "TA0005"
    assert attack.tactic_by_name("No Such Tactic") is None


def test_parents_and_tactics_are_consistent():
    attack = load_attack()
    for technique in attack.techniques.values():
        if technique.parent is not None:
            assert technique.parent in attack.techniques, technique.id
            assert technique.id.startswith(technique.parent + "."), technique.id
        else:
            assert "." not in technique.id, technique.id
        for tactic in technique.tactics:
            assert tactic in attack.tactics, (technique.id, tactic)


def test_deprecated_and_revoked_are_flagged():
    techniques = load_attack().techniques.values()
    assert any(technique.revoked for technique in techniques)
    assert any(technique.deprecated for technique in techniques)
    live = [t for t in techniques if not t.revoked and not t.deprecated]
    assert all(t.tactics for t in live)


def test_unknown_technique_is_absent():
    assert "T9999" not in load_attack().techniques
