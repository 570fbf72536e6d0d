"""`crimepulse national`: the force and the rest of England and Wales as two sentences (or
JSON Facts), and a question the national tables cannot answer as an error that says why."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import crimepulse
from crimepulse.cli import app
from tests.factories import write

MONTHS = [f"{y}{m:02d}" for y in (2021, 2022, 2023) for m in range(1, 13)]


def make_db(root: Path) -> Path:
    """Robbery in Camden: 10 a month to March 2022, 12 a month after; E&W 500 then 540."""
    counts = ",".join("10" if m < "202204" else "12" for m in MONTHS)
    header = ",".join(["MajorText", "MinorText", "BoroughName", *MONTHS])
    write(root / "mps.csv", header, [f"ROBBERY,ROBBERY OF PERSONAL PROPERTY,Camden,{counts}"])
    write(
        root / "ew.csv",
        "financial_year,offence_key,offence_label,offences",
        ["2021/22,robbery,TOTAL ROBBERY,500", "2022/23,robbery,TOTAL ROBBERY,540"],
    )
    db = root / "w.duckdb"
    with crimepulse.open(db) as cp:
        assert cp.ingest(root).exit_code(strict=True) == 0
    return db


def test_national_command(tmp_path: Path) -> None:
    db = str(make_db(tmp_path))
    runner = CliRunner()
    table = runner.invoke(
        app, ["national", "--category", "robbery", "--year", "2022-23", "--db", db]
    )
    assert table.exit_code == 0, table.output
    assert "144 against 120" in table.output  # 12 x 12 against 12 x 10
    assert "England and Wales less the Metropolitan Police" in table.output
    assert "396 against 380" in table.output  # 540 - 144 against 500 - 120
    assert "too little history" in table.output
    out = runner.invoke(
        app, ["national", "--category", "robbery", "--year", "2022/23", "--db", db, "-f", "json"]
    )
    found = json.loads(out.stdout)
    assert (found["rest"]["current"], found["rest"]["previous"]) == (396, 380)
    assert found["force"]["current"] == 144
    refused = runner.invoke(
        app, ["national", "--category", "homicide", "--year", "2022-23", "--db", db]
    )
    assert refused.exit_code != 0
    assert "no national homicide figure is loaded" in refused.stderr
