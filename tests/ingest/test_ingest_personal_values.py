"""A column is personal data by its cells only where they are what a survey tool writes: a time typed
with a double colon («11::30», which Python's ipaddress reads as IPv6) is no IP address, real IPv4 and
IPv6 addresses are. Walked through ``hoi survey-schema`` and ``hoi run`` (subprocesses)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hoi_nlp.ingest.personal import is_ip_address, personal_kind

TIME = "Hvornår mødes teamet (klokkeslæt)?"


@pytest.mark.parametrize("value", ["11::30", "9::15", "13::00", "11:30::", "10:05:00", "10:30", "20::1"])
def test_a_time_is_no_ip_address(value: str) -> None:
    assert not is_ip_address(value)


@pytest.mark.parametrize("value", ["192.168.1.4", "10.0.0.1", "2001:db8::1", "2a02:aa7:4001:1::5", "fe80::1",
                                   "::1", "::ffff:192.168.1.4", "2001::1",
                                   "2001:0db8:85a3:0000:0000:8a2e:0370:7334"])
def test_real_ip_addresses_are_personal_data(value: str) -> None:
    assert is_ip_address(value)
    assert personal_kind("Svar", [value, value, "x"]) == "IP addresses"


def test_a_column_of_times_typed_with_a_double_colon_is_read(tmp_path: Path) -> None:
    study = tmp_path / "studie"
    (study / "survey").mkdir(parents=True)
    (study / "survey" / "svar.csv").write_text(
        f"Id,Kommune,{TIME},Hvordan er indsatsen organiseret?\n"
        "1,Skive,11::30,Vi har et fast tværgående team for familierne\n"
        "2,Vejle,9::15,Vores IT-systemer taler ikke sammen med jobcentrets\n"
        "3,Odense,13::00,Der mangler en fælles faglig forståelse på tværs\n"
        "4,Aarhus,kl. 10 om tirsdagen,En ny selvstændig enhed med egen leder og budget\n", encoding="utf-8")
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2]), "COLUMNS": "300"}

    def hoi(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "hoi_nlp.cli", *args], cwd=tmp_path, env=env, text=True,
                              capture_output=True, timeout=300)

    drafted = hoi("survey-schema", "studie", "-o", "studie/survey/schema.yaml")
    assert drafted.returncode == 0, drafted.stderr
    assert "Left out of the draft" not in drafted.stderr and "IP addresses" not in drafted.stderr
    schema_path = study / "survey" / "schema.yaml"
    schema = yaml.safe_load(schema_path.read_text(encoding="utf-8"))
    schema["closed"] = [{"column": TIME, "name": "moedetid"}]
    schema_path.write_text(yaml.safe_dump(schema, allow_unicode=True), encoding="utf-8")
    ran = hoi("run", "studie", "--coder", "rules")
    assert ran.returncode == 0, ran.stdout + ran.stderr
