"""The analysis commands' question options are declared once (cli/questions.py): each
command shows exactly the options of its kind of question, with its own defaults, and
gets the parsed question; a question without --as-of is refused before any work."""

from __future__ import annotations

from typing import Any

import typer.main
from typer.testing import CliRunner

from crimepulse.cli import app
from crimepulse.cli.questions import COMPARE, FLAGS, GRID


def _options(name: str) -> dict[str, Any]:
    group: Any = typer.main.get_command(app)
    command = group.commands[name]
    return {p.name: p for p in command.params if p.name}


def test_each_command_takes_the_options_of_its_question() -> None:
    for name, shared in (("compare", COMPARE), ("grid", GRID), ("flags", FLAGS)):
        options = _options(name)
        assert set(shared) <= set(options), name
        assert {"db", "format"} <= set(options)
        assert "question" not in options  # the parsed question is not an option
    assert _options("flags")["source"].default == "mps"  # a command's own default
    assert _options("compare")["source"].default is None
    assert _options("grid")["windows"].default == "28d,ytd,fy"


def test_a_question_without_as_of_is_refused() -> None:
    for name in ("compare", "grid", "flags"):
        result = CliRunner().invoke(app, [name])
        assert result.exit_code == 2, name
        assert "give --as-of" in result.stderr
