"""The README cannot drift from the code: every command, option, route and setting the code
has is documented, and every route, Python name and setting the README names exists.

Datasette's tests/test_docs.py is the model: the documentation is checked against the
running code (the Typer app walked command by command, the web app's route table, the
environment variables the code reads), in both directions, so adding a command without
documenting it, or renaming a function the README cites, fails here and not in a user's
terminal. The README's Layout section is checked against the package tree and the floors
of tests/test_layers.py, and every module keeps the docstring that opens it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import itertools
import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer

import crimepulse
from crimepulse.cli import app as cli_app
from tests.test_layers import FLOORS

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PACKAGE = ROOT / "src" / "crimepulse"

# Routes FastAPI adds for its own Swagger page, not ours to document.
UNDOCUMENTED_ROUTES = {"/docs/oauth2-redirect"}
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@cache
def readme() -> str:
    return README.read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text of the README's `## title` section (up to the next `## ` heading)."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", readme(), re.M | re.S)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def fences(text: str) -> list[tuple[str, str]]:
    """The fenced code blocks of markdown text: (language, body), in order."""
    blocks: list[tuple[str, str]] = []
    language: str | None = None
    body: list[str] = []
    for line in text.splitlines():
        if line.startswith("```"):
            if language is None:
                language, body = line[3:].strip(), []
            else:
                blocks.append((language, "\n".join(body) + "\n"))
                language = None
        elif language is not None:
            body.append(line)
    return blocks


def fenced_blocks(text: str, language: str = "") -> list[str]:
    return [body for lang, body in fences(text) if lang == language]


def inline_code(text: str) -> list[str]:
    """The `inline code` spans of markdown text (fenced blocks left out)."""
    prose: list[str] = []
    inside = False
    for line in text.splitlines():
        if line.startswith("```"):
            inside = not inside
        elif not inside:
            prose.append(line)
    spans = re.findall(r"`([^`]+)`", "\n".join(prose))  # a span may wrap a line
    return [" ".join(span.split()) for span in spans]


# --- (a) commands and options ---------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]  # ("log", "add")
    options: tuple[tuple[str, ...], ...]  # each option's spellings, long ones first
    is_group: bool

    @property
    def name(self) -> str:
        return " ".join(("crimepulse", *self.path))


@cache
def commands() -> tuple[Command, ...]:
    """Every command and sub-command of `crimepulse`, with its options."""
    out: list[Command] = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        options = tuple(
            tuple(sorted((*p.opts, *p.secondary_opts), key=lambda o: not o.startswith("--")))
            for p in command.params
            if p.param_type_name == "option"
        )
        children = getattr(command, "commands", {})
        out.append(Command(path, options, bool(children)))
        for name, child in children.items():
            if not getattr(child, "hidden", False):
                walk(child, (*path, name))

    walk(typer.main.get_command(cli_app), ())
    return tuple(out[1:])  # the root is `crimepulse` itself


@cache
def invocations() -> dict[tuple[str, ...], str]:
    """The README's shell lines per command: each `crimepulse ...` line of a fenced block
    with its continuation lines (indented, or after a trailing backslash), and its comment.
    The longest command path that the line spells is the one it documents."""
    known = {c.path for c in commands()}
    found: dict[tuple[str, ...], str] = {}
    for block in fenced_blocks(readme()):
        logical: list[str] = []
        for line in block.splitlines():
            if logical and (logical[-1].rstrip().endswith("\\") or line[:1].isspace()):
                logical[-1] += " " + line.strip()
            else:
                logical.append(line)
        for line in logical:
            words = line.split()
            if not words or words[0] != "crimepulse":
                continue
            path: tuple[str, ...] = ()
            for word in words[1:]:
                if (*path, word) not in known:
                    break
                path = (*path, word)
            if path:
                found[path] = found.get(path, "") + "\n" + line
    return found


def shared_options() -> set[str]:
    """Options the Settings section documents once for every command that takes them."""
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", section("Settings")))


def _mentions(text: str, option: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


@pytest.mark.parametrize("command", commands(), ids=lambda c: c.name)
def test_every_command_is_documented(command: Command) -> None:
    lines = invocations()
    if command.is_group:  # a group is documented by its sub-commands' lines
        assert any(p[: len(command.path)] == command.path for p in lines), command.name
        return
    assert command.path in lines, f"README shows no `{command.name} ...` line"


@pytest.mark.parametrize("command", [c for c in commands() if c.options], ids=lambda c: c.name)
def test_every_option_is_documented(command: Command) -> None:
    """An option is documented on a line of its command (a synopsis like `crimepulse
    compare --area A ...` will do), or once in the Settings section; one of its spellings
    is enough (`--strict` for `--strict/--no-strict`, `--quiet` for `-q`)."""
    text = invocations().get(command.path, "")
    shared = shared_options()
    missing = [
        spellings[0]
        for spellings in command.options
        if not any(_mentions(text, s) or s in shared for s in spellings)
    ]
    assert not missing, f"{command.name}: options missing from its README lines: {missing}"


def test_the_invocation_parser_reads_synopses_and_examples() -> None:
    lines = invocations()
    assert "--measure" in lines[("compare",)]  # a continuation line of the synopsis
    assert "--borough" in lines[("log", "add")]  # after a trailing backslash
    assert ("log", "types", "add") in lines  # the longest path, not ("log",)
    assert not _mentions("--db-file", "--db") and _mentions("[--db FILE]", "--db")


# --- (b) and (d) routes ---------------------------------------------------------------------


def _route_key(path: str) -> str:
    """A route path with its parameters unnamed: /area/{borough} and /area/{name} agree."""
    return re.sub(r"\{[^}/]*\}", "{}", path.rstrip("/") or "/")


@pytest.fixture(scope="module")
def app_routes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """The web app's routes over an empty warehouse: path -> methods (a mount is "*")."""
    from fastapi.routing import iter_route_contexts

    from crimepulse.web.app import create_app

    db = tmp_path_factory.mktemp("docs") / "empty.duckdb"
    crimepulse.open(db).close()
    try:
        from crimepulse.config import Settings  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError:  # TODO(issue 9): until config.py is merged, a path
        app = create_app(db)
    else:
        app = create_app(Settings(db=db))
    routes: dict[str, set[str]] = {}
    for route in iter_route_contexts(app.routes):
        methods = set(route.methods or ()) - {"HEAD"} or {"*"}
        routes.setdefault(_route_key(route.path), set()).update(methods)
    return routes


def readme_routes(text: str | None = None) -> list[tuple[str | None, str]]:
    """(method or None, path) for every route the README names in inline code:
    `/grid`, `GET /api/v1/events?week=...`, `POST /api/v1/snapshots/{id}/approve|publish`."""
    out: list[tuple[str | None, str]] = []
    methods = "|".join(HTTP_METHODS)
    for span in inline_code(readme() if text is None else text):
        match = re.fullmatch(rf"(?:({methods}) )?(/[^\s?#]*)(?:[?#]\S*)?", span.strip())
        if not match or match.group(2).startswith("//"):
            continue
        segments = [s.split("|") for s in match.group(2).split("/")]
        for spelled in itertools.product(*segments):
            out.append((match.group(1), "/".join(spelled)))
    return out


def test_every_route_is_documented(app_routes: dict[str, set[str]]) -> None:
    named = {_route_key(path) for _, path in readme_routes()}
    missing = sorted(set(app_routes) - named - UNDOCUMENTED_ROUTES)
    assert not missing, f"routes of the web app missing from the README: {missing}"


def test_every_route_the_readme_names_exists(app_routes: dict[str, set[str]]) -> None:
    """A route, a path under a mount (`/static/...`), or a prefix of routes ("under
    `/api/v1`"); a method, when given, must be one the route answers."""
    mounts = [p for p, methods in app_routes.items() if methods == {"*"}]
    wrong = []
    for method, path in readme_routes():
        key = _route_key(path)
        if any(key == m or key.startswith(m + "/") for m in mounts):
            continue
        if key in app_routes:
            if method and method not in app_routes[key]:
                wrong.append(f"{method} {path}")
        elif method or not any(route.startswith(key + "/") for route in app_routes):
            wrong.append(f"{method or ''} {path}".strip())
    assert not wrong, f"the README names routes the app does not have: {wrong}"


def test_the_route_reader_expands_and_normalises() -> None:
    assert _route_key("/area/{borough}") == _route_key("/area/{name}/") == "/area/{}"
    spans = "`GET /a/{id}/b|c`, `/d?x=1`, `//host`, `crimepulse.api`\n```sh\n`/e`\n```\n"
    assert readme_routes(spans) == [("GET", "/a/{id}/b"), ("GET", "/a/{id}/c"), (None, "/d")]


# --- (c) settings ---------------------------------------------------------------------------

SETTING = re.compile(r"\bCRIMEPULSE_[A-Z][A-Z0-9_]*\b")


def settings_in_code() -> set[str]:
    """Every CRIMEPULSE_* environment variable the code, the tests or the tooling read."""
    files = [*(ROOT / "src").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]
    files += [*(ROOT / "bench").rglob("*.py"), ROOT / "Makefile", *(ROOT / ".ci").glob("*")]
    found: set[str] = set()
    for path in files:
        if path.is_file() and path != Path(__file__).resolve():
            found |= set(SETTING.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_setting_is_documented() -> None:
    missing = sorted(settings_in_code() - set(SETTING.findall(readme())))
    assert not missing, f"environment variables missing from the README: {missing}"


def test_every_setting_the_readme_names_exists() -> None:
    unknown = sorted(set(SETTING.findall(readme())) - settings_in_code())
    assert not unknown, f"the README names settings nothing reads: {unknown}"


def test_every_settings_field_is_documented() -> None:
    config = pytest.importorskip("crimepulse.config", reason="config.py not merged yet")
    settings = config.Settings
    names = [f.name for f in fields(settings)] if is_dataclass(settings) else []
    text = section("Settings")
    missing = [
        name
        for name in names
        if f"CRIMEPULSE_{name.upper()}" not in text and f"`{name}`" not in text
    ]
    assert not missing, f"Settings fields missing from the README's Settings: {missing}"


# --- (d) Python names -----------------------------------------------------------------------


def _resolve(dotted: str) -> object:
    """`crimepulse.a.b` or `crimepulse.a:b`: the module, then attributes; raises if absent."""
    module_part, _, attr_part = dotted.partition(":")
    parts = module_part.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in [*parts[cut:], *([attr_part] if attr_part else [])]:
            found = getattr(found, name)
        return found
    raise ModuleNotFoundError(dotted)


def test_every_dotted_name_in_the_readme_exists() -> None:
    # Not preceded by a path or host character: `https://crimepulse.example` is a URL.
    names = set(re.findall(r"(?<![\w/.@-])crimepulse(?:[.:][A-Za-z_]\w*)+", readme()))
    assert "crimepulse.open" in names
    missing = []
    for name in sorted(names):
        try:
            _resolve(name)
        except (ImportError, AttributeError):
            missing.append(name)
    assert not missing, f"the README cites Python names that do not exist: {missing}"


def test_every_facade_method_the_readme_calls_exists() -> None:
    called = set(re.findall(r"\bcp\.([A-Za-z_]\w*)\(", readme()))
    assert {"compare", "grid", "snapshot"} <= called
    missing = sorted(name for name in called if not hasattr(crimepulse.Crimepulse, name))
    assert not missing, f"the README calls facade methods that do not exist: {missing}"


def _members(kind: type) -> set[str]:
    names = set(dir(kind))
    if is_dataclass(kind):
        names |= {f.name for f in fields(kind)}
    try:
        names |= set(typing.get_type_hints(kind))
    except (NameError, TypeError):
        names |= set(getattr(kind, "__annotations__", {}))
    return names


def _returns(function: object) -> type | None:
    """The class a callable's return annotation names, when it can be resolved."""
    try:
        hint = typing.get_type_hints(function).get("return")
    except (NameError, TypeError, AttributeError):
        return None
    return hint if isinstance(hint, type) else None


@dataclass
class _Checker(ast.NodeVisitor):
    """Walks one README code block: names imported from crimepulse, variables whose class
    is known (from `with crimepulse.open(...) as cp`, `x = cp.compare(...)`), and every
    call or attribute on them checked against the real signature or class."""

    scope: dict[str, object]  # name -> a module, class or function
    instances: dict[str, type] = field(default_factory=dict)  # variable -> its class
    problems: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)

    def target(self, node: ast.expr) -> tuple[object, bool] | None:
        """What an expression names, and whether a call to it needs a `self` (a method
        read from an instance); None when the block does not say."""
        if isinstance(node, ast.Name):
            if node.id in self.instances:
                return None  # the instance itself: nothing to call
            return (self.scope[node.id], False) if node.id in self.scope else None
        if not isinstance(node, ast.Attribute):
            return None
        if isinstance(node.value, ast.Name) and node.value.id in self.instances:
            kind = self.instances[node.value.id]
            if node.attr not in _members(kind):
                self.problem(f"{kind.__name__} has no {node.attr!r}")
                return None
            member = inspect.getattr_static(kind, node.attr, None)
            if isinstance(member, staticmethod):
                return member.__func__, False
            if isinstance(member, classmethod):
                return member.__func__, True
            return (member, True) if inspect.isfunction(member) else None
        owner = self.target(node.value)
        if owner is None:
            return None
        found = owner[0]
        if not hasattr(found, node.attr):
            self.problem(f"{getattr(found, '__name__', found)} has no {node.attr!r}")
            return None
        return getattr(found, node.attr), False

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if (node.module or "").split(".")[0] != "crimepulse":
            return
        try:
            module = importlib.import_module(node.module or "crimepulse")
        except ImportError:
            self.problem(f"no module {node.module!r}")
            return
        for alias in node.names:
            if hasattr(module, alias.name):
                self.scope[alias.asname or alias.name] = getattr(module, alias.name)
            else:
                self.problem(f"{node.module} has no {alias.name!r}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] == "crimepulse":
                self.scope[alias.asname or alias.name] = importlib.import_module(alias.name)

    def bind(self, node: ast.Call) -> type | None:
        """Check a call's arguments against the signature; the class the call returns."""
        owner = self.target(node.func)
        if owner is None or not callable(owner[0]):
            return None
        found, needs_self = owner
        spread = any(isinstance(a, ast.Starred) for a in node.args)
        if not spread and all(k.arg is not None for k in node.keywords):
            args = [None] * (len(node.args) + needs_self)
            keywords = {k.arg: None for k in node.keywords if k.arg is not None}
            try:
                inspect.signature(found).bind(*args, **keywords)
            except TypeError as exc:
                self.problem(f"{ast.unparse(node)}: {exc}")
            except ValueError:  # a builtin without a signature
                pass
        return found if isinstance(found, type) else _returns(found)

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        self.bind(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.generic_visit(node)
        self.target(node)

    def assign(self, name: ast.expr, value: ast.expr) -> None:
        self.visit(value)
        if isinstance(name, ast.Name) and isinstance(value, ast.Call):
            kind = self.bind(value)
            if kind is not None:
                self.instances[name.id] = kind

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self.assign(target, node.value)

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            if item.optional_vars is not None:
                self.assign(item.optional_vars, item.context_expr)
            else:
                self.visit(item.context_expr)
        for statement in node.body:
            self.visit(statement)


def python_blocks() -> Iterator[str]:
    yield from fenced_blocks(readme(), "python")


def test_the_readmes_python_runs_against_the_real_signatures() -> None:
    blocks = list(python_blocks())
    assert len(blocks) >= 2
    problems: list[str] = []
    for block in blocks:
        checker = _Checker({})
        checker.visit(ast.parse(block))
        problems += checker.problems
    assert not problems, "the README's Python does not match the code:\n" + "\n".join(problems)


class _Report:
    rows: int

    def exit_code(self, strict: bool = False) -> int:
        return int(strict)


class _Facade:
    def sources(self) -> list[str]:
        return []

    def ingest(self, *paths: str, vintage: object = None) -> _Report:
        return _Report()


def _open(db: str) -> _Facade:
    return _Facade()


def test_the_python_checker_catches_wrong_calls_and_names() -> None:
    code = (
        "with make('x.duckdb') as cp:\n"
        "    cp.sources(1)\n"
        "    cp.no_such_method()\n"
        "    report = cp.ingest('a.csv', 'b.csv', vintage=None, colour='red')\n"
        "    report.rows, report.no_such_field, report.exit_code(strict=True)\n"
        "    make()\n"
        "from crimepulse.oplog import OutcomesLog, NoSuchThing\n"
    )
    checker = _Checker({"make": _open})
    checker.visit(ast.parse(code))
    assert checker.instances == {"cp": _Facade, "report": _Report}
    assert checker.problems == [
        "cp.sources(1): too many positional arguments",
        "_Facade has no 'no_such_method'",
        "cp.ingest('a.csv', 'b.csv', vintage=None, colour='red'): got an unexpected keyword "
        "argument 'colour'",
        "_Report has no 'no_such_field'",
        "make(): missing a required argument: 'db'",
        "crimepulse.oplog has no 'NoSuchThing'",
    ]


# --- (4) the Layout section -----------------------------------------------------------------


def layout() -> str:
    (block,) = fenced_blocks(section("Layout"))
    return block


_HEAD = re.compile(r"^(\d)?\s+([a-z_]+)(/|\.py)(?=\s)")


def layout_lines() -> list[tuple[int, str, str, str]]:
    """(floor, head, kind "/" or ".py", description) for each package or module of the
    Layout; an indented line continues the description above, and a head without a floor
    number stays on the floor above it."""
    out: list[tuple[int, str, str, str]] = []
    floor = 0
    for line in layout().splitlines():
        match = _HEAD.match(line)
        if match:
            floor = int(match.group(1)) if match.group(1) else floor
            out.append((floor, match.group(2), match.group(3), line[match.end() :]))
        elif out and line.strip():
            *_, (at, head, kind, text) = out
            out[-1] = (at, head, kind, f"{text} {line.strip()}")
    return out


def named_in_layout() -> tuple[set[str], set[str]]:
    """The folders the Layout names (`web/`, and `web/routes/` for a `routes/` on web's
    line) and its top-level modules (`api.py`)."""
    folders: set[str] = set()
    modules: set[str] = set()
    for _, head, kind, rest in layout_lines():
        if kind == ".py":
            modules.add(head + kind)
            continue
        folders.add(head + "/")
        for sub in re.findall(r"(?<![\w/.])((?:[a-z_]+/)+)(?!\w)", rest):
            folders.add(f"{head}/{sub}")
    return folders, modules


def test_the_layout_names_every_package_and_only_real_ones() -> None:
    packages = {
        p.parent.relative_to(PACKAGE).as_posix() + "/"
        for p in PACKAGE.rglob("__init__.py")
        if p.parent != PACKAGE
    }
    folders = {p.relative_to(PACKAGE).as_posix() + "/" for p in PACKAGE.rglob("*") if p.is_dir()}
    modules = {p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    named_folders, named_modules = named_in_layout()
    assert not packages - named_folders, f"missing from Layout: {packages - named_folders}"
    assert not named_folders - folders, (
        f"Layout names folders that do not exist: {named_folders - folders}"
    )
    assert not modules - named_modules, f"missing from Layout: {modules - named_modules}"
    invented = named_modules - modules
    assert not invented, f"Layout names modules that do not exist: {invented}"


def test_the_layout_puts_each_package_on_its_floor() -> None:
    """The Layout's floors are the ones tests/test_layers.py enforces."""
    drawn = {head: floor for floor, head, _, _ in layout_lines()}
    assert drawn == {name: floor for name, floor in FLOORS.items() if name != "crimepulse"}


# --- every module says why it exists --------------------------------------------------------


def test_every_module_opens_with_a_docstring() -> None:
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not tree.body:  # an empty __init__.py only marks a package
            continue
        if not ast.get_docstring(tree):
            missing.append(str(path.relative_to(ROOT)))
    assert not missing, f"modules without the docstring that says why they exist: {missing}"
