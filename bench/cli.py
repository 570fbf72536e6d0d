"""CLI start-up benchmark: `crimepulse --help` and `crimepulse sources` as whole processes,
against `python -c pass` measured in the same run.

    PYTHONPATH=src .venv/bin/python bench/cli.py [--runs N] [--db WAREHOUSE]

Each round runs the three commands in turn (so a machine whose speed drifts slows all
three alike) after one warm-up round, and reads each child's wall time and its CPU time
(user + system, from `wait4`). `--db` defaults to the demo warehouse (`make demo`); when
it is absent, an empty warehouse in a temporary folder stands in. Goals (issue 12):
`--help` <= 0.3 s and `sources` <= 1 s; each is judged on the median wall time and,
because a shared machine makes a process wait for a core, on the median CPU time too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

GOALS = {"--help": 0.3, "sources": 1.0}
DEMO_DB = Path("demo/crimepulse.duckdb")


@dataclass
class Timings:
    """One command's runs: wall and CPU seconds."""

    argv: list[str]
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def run(self) -> None:
        start = time.perf_counter()
        child = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        self.wall.append(time.perf_counter() - start)
        self.cpu.append(usage.ru_utime + usage.ru_stime)
        child.returncode = os.waitstatus_to_exitcode(status)
        err = child.stderr.read().decode() if child.stderr else ""
        if child.returncode != 0:
            raise SystemExit(f"{' '.join(self.argv)} exited {child.returncode}:\n{err}")


def _crimepulse() -> list[str]:
    """The installed `crimepulse` script beside this interpreter, else `-m crimepulse.cli`."""
    script = Path(sys.executable).with_name("crimepulse")
    return [str(script)] if script.exists() else [sys.executable, "-m", "crimepulse.cli"]


def _empty_warehouse(folder: Path) -> Path:
    import crimepulse

    db = folder / "empty.duckdb"
    crimepulse.open(db).close()
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="counted rounds (default 10)")
    parser.add_argument("--db", type=Path, default=DEMO_DB, help="warehouse for `sources`")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db if args.db.exists() else _empty_warehouse(Path(tmp))
        commands = {
            "python -c pass": Timings([sys.executable, "-c", "pass"]),
            "--help": Timings([*_crimepulse(), "--help"]),
            "sources": Timings([*_crimepulse(), "sources", "--db", str(db)]),
        }
        for t in commands.values():  # warm-up: page cache, .pyc files
            t.run()
            t.wall.clear()
            t.cpu.clear()
        for _ in range(args.runs):
            for t in commands.values():
                t.run()
    base = commands["python -c pass"]
    base_wall = statistics.median(base.wall)
    print(f"{args.runs} rounds; sources on {db}; medians (min..max)")
    for name, t in commands.items():
        wall, cpu = statistics.median(t.wall), statistics.median(t.cpu)
        line = (
            f"{name:15} wall {wall:.3f} s ({min(t.wall):.3f}..{max(t.wall):.3f}), "
            f"cpu {cpu:.3f} s, {wall / base_wall:.1f}x python -c pass"
        )
        goal = GOALS.get(name)
        if goal is not None:
            said = [f"{kind} {'met' if value <= goal else 'missed'}" for kind, value in
                    (("wall", wall), ("cpu", cpu))]  # fmt: skip
            line += f"; goal <= {goal} s: " + ", ".join(said)
        print(line)


if __name__ == "__main__":
    main()
