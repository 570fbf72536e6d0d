"""`crimepulse demo-data`: write the synthetic London in the real open formats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crimepulse.cli.options import (
    _progress,
    console,
)


def demo_data_command(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the synthetic files into.")],
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 7,
    start: Annotated[str, typer.Option(help="First month, YYYY-MM.")] = "2018-01",
    end: Annotated[str | None, typer.Option(help="Last month (default: last full month).")] = None,
    detail_months: Annotated[
        int, typer.Option(help="Final months that get record-level files.")
    ] = 12,
) -> None:
    """Write a synthetic London in the real open formats (every record says `synthetic`)."""
    from crimepulse.demo import london as synthetic

    with _progress() as bar:
        tasks: dict[str, object] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total, name="")
            bar.update(tasks[stage], completed=done, total=total)  # type: ignore[arg-type]

        summary = synthetic.generate(
            out_dir,
            seed=seed,
            start=start,
            end=end,
            detail_months=detail_months,
            progress=on_progress,
        )
    kinds = ", ".join(f"{kind} {rows:,}" for kind, rows in summary.rows.items())
    console.print(
        f"synthetic London {summary.start}..{summary.end} written to {out_dir} "
        f"({len(summary.files)} files; rows: {kinds})",
        soft_wrap=True,
    )
