"""Settings: precedence (option > environment > default), the log-beside-the-warehouse rule,
the round trip to worker processes, and the rule that only config.py reads CRIMEPULSE_*."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crimepulse.config import (
    DEFAULT_DB,
    ENVIRONMENT,
    ReadLimits,
    Settings,
    format_size,
    parse_size,
)
from crimepulse.core.reference.forces import DEFAULT_FORCE

SRC = Path(__file__).resolve().parents[1] / "src" / "crimepulse"


def test_defaults_when_nothing_is_set() -> None:
    settings = Settings.from_env({})
    assert settings.db == DEFAULT_DB and settings.force == DEFAULT_FORCE
    assert settings.oplog_url is None and settings.server is None and settings.token is None
    assert settings.oplog_location == "sqlite:///crimepulse.oplog.sqlite"


def test_an_option_beats_the_environment_which_beats_the_default() -> None:
    env = {"CRIMEPULSE_DB": "env.duckdb", "CRIMEPULSE_OPLOG_URL": "postgresql://x/y"}
    assert Settings.from_env(env).db == Path("env.duckdb")
    assert Settings.from_env(env, db="opt.duckdb").db == Path("opt.duckdb")
    assert Settings.from_env(env, db="opt.duckdb").oplog_location == "postgresql://x/y"
    assert Settings.from_env({"CRIMEPULSE_DB": ""}).db == DEFAULT_DB  # empty means unset


def test_the_log_lives_beside_the_warehouse() -> None:
    settings = Settings(db=Path("/data/london.duckdb"))
    assert settings.oplog_location == "sqlite:////data/london.oplog.sqlite"
    assert Settings(db=Path("a.duckdb"), oplog_url="sqlite:///b.sqlite").oplog_location == (
        "sqlite:///b.sqlite"
    )


def test_workers_get_the_same_settings_back() -> None:
    settings = Settings(db=Path("/w/x.duckdb"), oplog_url="postgresql://h/db", force="kent")
    environ: dict[str, str] = {}
    settings.export(environ)
    assert Settings.from_env(environ) == settings


def test_the_token_is_not_in_the_repr() -> None:
    assert "s3cret" not in repr(Settings(token="s3cret"))


def test_every_setting_is_documented_and_only_config_reads_the_environment() -> None:
    named = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        named |= set(re.findall(r"CRIMEPULSE_[A-Z_]+", text))
        if path.name != "config.py":
            assert not re.search(r"(environ|getenv)\W+[^\n]*CRIMEPULSE_", text), path
    assert named <= set(ENVIRONMENT), named - set(ENVIRONMENT)
    readme = (SRC.parents[1] / "README.md").read_text(encoding="utf-8")
    missing = [name for name in ENVIRONMENT if name not in readme]
    assert not missing, f"settings missing from README.md: {missing}"


def test_body_limits_come_from_the_environment_and_go_to_workers() -> None:
    settings = Settings.from_env({"CRIMEPULSE_MAX_UPLOAD_BYTES": "1000"})
    assert settings.max_upload_bytes == 1000 and Settings.from_env(settings.environ()) == settings


@pytest.mark.parametrize("bad", ["1MB", "0", "-5", "1e6"])
def test_a_bad_body_limit_names_its_variable(bad: str) -> None:
    with pytest.raises(ValueError, match="CRIMEPULSE_MAX_JSON_BYTES"):
        Settings.from_env({"CRIMEPULSE_MAX_JSON_BYTES": bad})


def test_sizes_read_as_people_write_them_and_print_back() -> None:
    assert [parse_size(t) for t in ("1048576", "1MiB", "64 KiB", "16G", "2_000", "3mb")] == [
        1 << 20,
        1 << 20,
        64 << 10,
        16 << 30,
        2000,
        3 << 20,
    ]
    assert [format_size(n) for n in (1 << 20, 16 << 30, 1500)] == ["1 MiB", "16 GiB", "1,500 bytes"]
    with pytest.raises(ValueError, match="not a size: 'lots'"):
        parse_size("lots")


def test_read_limits_come_from_options_then_the_environment_then_defaults() -> None:
    env = {"CRIMEPULSE_MAX_LINE_BYTES": "2MiB", "CRIMEPULSE_MAX_EXPANSION": "20"}
    limits = Settings.from_env(env).limits
    assert (limits.max_line_bytes, limits.max_expansion) == (2 << 20, 20)
    assert limits.max_expanded_bytes == ReadLimits().max_expanded_bytes
    assert limits.replace(max_line_bytes=4 << 20, max_members=None).max_line_bytes == 4 << 20
    assert Settings.from_env({}).limits == ReadLimits()
    with pytest.raises(ValueError, match="CRIMEPULSE_MAX_MEMBERS"):
        Settings.from_env({"CRIMEPULSE_MAX_MEMBERS": "many"})
    with pytest.raises(ValueError, match="at least 1 KiB"):
        ReadLimits(max_line_bytes=100)


def test_workers_get_the_same_limits_back() -> None:
    settings = Settings(limits=ReadLimits(max_line_bytes=8 << 20, max_expansion=0))
    environ: dict[str, str] = {}
    settings.export(environ)
    assert Settings.from_env(environ).limits == settings.limits
