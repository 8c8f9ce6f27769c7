"""`tradecore info` names the loaded build; `make fast` refuses cleanly without a compiler."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from types import ModuleType

from typer.testing import CliRunner

import tradecore.engine.core as core
from tradecore.buildinfo import COMPILED_MODULES, build_status, source_hash
from tradecore.cli import app
from tradecore.fastbuild import compiled_files

SO = EXTENSION_SUFFIXES[0]  # e.g. .cpython-311-x86_64-linux-gnu.so


def _package(tmp_path: Path) -> Path:
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "core.py").write_text("x = 1\n")
    (tmp_path / "engine" / "bus.py").write_text("y = 2\n")
    return tmp_path


def _loader(pkg: Path, compiled: set[str]) -> dict[str, ModuleType]:
    mods = {}
    for name in ("tradecore.engine.core", "tradecore.engine.bus"):
        m = ModuleType(name)
        stem = pkg / "engine" / name.rsplit(".", 1)[1]
        m.__file__ = f"{stem}{SO}" if name in compiled else f"{stem}.py"
        mods[name] = m
    return mods


def test_pure_modules_report_the_pure_build(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    mods = _loader(pkg, set())
    status = build_status(list(mods), mods.__getitem__, {}, pkg)
    assert status.label == "pure"
    assert status.compiled == ()
    assert status.lines() == ["build pure Python (make fast compiles the order path with mypyc)"]


def test_extension_modules_are_counted_and_a_changed_source_is_stale(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    mods = _loader(pkg, {"tradecore.engine.core"})
    fresh = {"tradecore.engine.core": source_hash(pkg / "engine" / "core.py")}
    status = build_status(list(mods), mods.__getitem__, fresh, pkg)
    assert status.label == "compiled"
    assert status.compiled == ("tradecore.engine.core",)
    assert status.lines() == [
        "build compiled (mypyc): 1 of 2 modules",
        "  pure Python: tradecore.engine.bus",
    ]
    (pkg / "engine" / "core.py").write_text("x = 2  # edited after the build\n")
    stale = build_status(list(mods), mods.__getitem__, fresh, pkg)
    assert stale.stale == ("tradecore.engine.core",)
    assert stale.lines()[-1].startswith("warning: 1 compiled module(s) older than their source")
    # no hash recorded at all (manifest deleted): stale as well, never silently "fresh"
    assert build_status(list(mods), mods.__getitem__, {}, pkg).stale == ("tradecore.engine.core",)


def test_info_names_the_build_that_is_actually_loaded() -> None:
    res = CliRunner().invoke(app, ["info"])
    assert res.exit_code == 0, res.output
    build = [line for line in res.output.splitlines() if line.startswith("build ")]
    if core.__file__ is not None and core.__file__.endswith(".py"):
        assert build == ["build pure Python (make fast compiles the order path with mypyc)"]
    else:  # after `make fast`
        assert build[0].startswith("build compiled (mypyc): ")
        assert build[0].endswith(f" of {len(COMPILED_MODULES)} modules")


def test_make_fast_without_a_compiler_explains_and_changes_nothing() -> None:
    before = compiled_files()
    env = {**os.environ, "CC": "/nonexistent/cc"}
    res = subprocess.run(
        [sys.executable, "-m", "tradecore.fastbuild", "build"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2
    assert "no C compiler found" in res.stderr
    assert "pure-Python build is loaded and works" in res.stderr
    assert compiled_files() == before
