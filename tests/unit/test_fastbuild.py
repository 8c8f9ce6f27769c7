"""``make fast``'s bookkeeping on a package tree of its own (tmp): what it compiles is faked
(``compile_in_place`` writes the extension files mypyc would), everything else is the real
logic: a build records its sources' hashes and keeps a copy, an unchanged tree does nothing,
``make pure`` then ``make fast`` restores the copy instead of compiling, a changed source
compiles again, a failed compile leaves no compiled file behind, and a machine without the
toolchain is told why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tradecore import buildinfo, fastbuild

MODULES = ("tradecore.a", "tradecore.sub.b")


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    pkg = tmp_path / "src" / "tradecore"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "a.py").write_text("X = 1\n")
    (pkg / "sub" / "b.py").write_text("Y = 2\n")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    build = tmp_path / "build" / "mypyc"
    for name, value in {
        "PACKAGE_DIR": pkg, "ROOT": tmp_path, "SRC_DIR": tmp_path / "src",
        "MANIFEST": pkg / "_compiled.json", "BUILD_DIR": build, "CACHE": build / "lib",
        "COMPILED_MODULES": MODULES,
        "source_path": lambda m: buildinfo.source_path(m, pkg),
    }.items():  # fmt: skip
        monkeypatch.setattr(fastbuild, name, value)
    monkeypatch.setattr(fastbuild, "missing_toolchain", lambda: None)
    return pkg


def _fake_compile(calls: list[int]):  # type: ignore[no-untyped-def]
    def run() -> None:
        calls.append(1)
        for m in MODULES:
            fastbuild.module_file(m).write_bytes(b"\x7fELF fake")

    return run


def test_a_build_records_its_sources_and_an_unchanged_tree_does_nothing(
    tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(fastbuild, "compile_in_place", _fake_compile(calls))
    assert fastbuild.build() == 0
    manifest = json.loads((tree / "_compiled.json").read_text())
    assert manifest["modules"] == fastbuild.current_hashes()
    assert [p.name for p in fastbuild.compiled_files()] == [
        fastbuild.module_file(m).name for m in MODULES
    ]
    assert fastbuild.build() == 0 and len(calls) == 1
    assert "up to date (2 modules), nothing to do" in capsys.readouterr().out


def test_make_pure_then_fast_restores_the_copy_and_a_changed_source_compiles_again(
    tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(fastbuild, "compile_in_place", _fake_compile(calls))
    assert fastbuild.build() == 0
    for p in fastbuild.compiled_files():  # make pure
        p.unlink()
    (tree / "_compiled.json").unlink()
    assert fastbuild.build() == 0 and len(calls) == 1  # restored, not compiled
    assert "restored from" in capsys.readouterr().out
    assert fastbuild.up_to_date(fastbuild.current_hashes())
    (tree / "sub" / "b.py").write_text("Y = 3\n")
    assert not fastbuild.up_to_date(fastbuild.current_hashes())
    assert not fastbuild.restore_cached(fastbuild.current_hashes())  # the copy is stale
    assert fastbuild.build() == 0 and len(calls) == 2


def test_a_failed_compile_leaves_no_compiled_file(
    tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken() -> None:
        fastbuild.module_file(MODULES[0]).write_bytes(b"half")  # one module written, then
        raise SystemExit("error: command 'gcc' failed")

    monkeypatch.setattr(fastbuild, "compile_in_place", broken)
    assert fastbuild.build() == 1
    assert fastbuild.compiled_files() == []
    assert not (tree / "_compiled.json").exists()
    assert "compiled files removed, the pure-Python build is loaded" in capsys.readouterr().err


def test_a_source_changed_during_the_build_records_nothing(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def edits_meanwhile() -> None:
        _fake_compile([])()
        (tree / "a.py").write_text("X = 2\n")

    monkeypatch.setattr(fastbuild, "compile_in_place", edits_meanwhile)
    assert fastbuild.build() == 1
    assert not (tree / "_compiled.json").exists()


def test_the_toolchain_check_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC", "/nonexistent/cc -O2")
    assert "no C compiler found ('/nonexistent/cc'" in str(fastbuild.missing_toolchain())
    monkeypatch.setenv("CC", "sh")  # a program on PATH
    monkeypatch.setattr(fastbuild.sysconfig, "get_paths", lambda: {"include": "/nonexistent"})
    assert "Python headers are missing" in str(fastbuild.missing_toolchain())


def test_without_a_toolchain_build_changes_nothing(
    tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(fastbuild, "missing_toolchain", lambda: "no C compiler found")
    assert fastbuild.build() == 2
    assert fastbuild.compiled_files() == []
    assert "Nothing was changed" in capsys.readouterr().err
    assert fastbuild.main(["bogus"]) == 2
