"""``make fast`` / ``make pure``: compile the order path with mypyc in place, or remove it.

``python -m tradecore.fastbuild build`` compiles :data:`tradecore.buildinfo.COMPILED_MODULES`
from the same typed source into extension modules beside their ``.py`` files (the editable
install then imports them) and records the sources' hashes in ``_compiled.json``; run again
with unchanged sources it does nothing. Without a C compiler or the Python headers it says so
and changes nothing: the pure-Python package keeps working. ``make pure`` removes every
compiled file. Needs the dev extra (mypy, which ships mypyc, and setuptools).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shlex
import shutil
import sys
import sysconfig
import time
from pathlib import Path

from tradecore.buildinfo import COMPILED_MODULES, MANIFEST, PACKAGE_DIR, source_hash, source_path

SRC_DIR = PACKAGE_DIR.parent
ROOT = SRC_DIR.parent
#: the extension shared by all compiled modules (mypyc appends ``__mypyc``)
GROUP = "tradecore.mypyc_group"
SUFFIX = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
BUILD_DIR = ROOT / "build" / "mypyc"
#: a copy of the last build (files and manifest), restored by ``make fast`` after ``make pure``
CACHE = BUILD_DIR / "lib"


def compiled_files() -> list[Path]:
    """Every compiled file under the package (``make fast`` writes no others there)."""
    return sorted(p for p in PACKAGE_DIR.rglob("*.so") if p.is_file())


def missing_toolchain() -> str | None:
    """Why this machine cannot compile an extension module, or None when it can."""
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    exe = shlex.split(cc)[0] if cc.strip() else "cc"
    if shutil.which(exe) is None:
        return f"no C compiler found ({exe!r} is not on PATH; install gcc or set CC)"
    include = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not include.exists():
        return f"the Python headers are missing ({include}; install python3-dev)"
    for needed, how in (("mypyc", "it ships with mypy: `make install`"), ("setuptools", "pip")):
        if importlib.util.find_spec(needed) is None:
            return f"{needed} is not installed ({how})"
    return None


def current_hashes() -> dict[str, str]:
    return {m: source_hash(source_path(m)) for m in COMPILED_MODULES}


def module_file(module: str) -> Path:
    return source_path(module).with_suffix(SUFFIX)


def tree_hash() -> str:
    """Every source of the package and the mypy config: compiled code is built from the types
    of the modules it imports too, so a change to any of them calls for a new build."""
    h = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    for p in sorted(PACKAGE_DIR.rglob("*.py")):
        h.update(p.relative_to(PACKAGE_DIR).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def stamp(hashes: dict[str, str]) -> dict[str, object]:
    """What ``_compiled.json`` holds; a build is reused only when all of it is unchanged."""
    mypy = importlib.metadata.version("mypy")
    return {"python": sys.version, "mypy": mypy, "tree": tree_hash(), "modules": hashes}


def _matches(manifest: Path, hashes: dict[str, str]) -> bool:
    try:
        data = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data == stamp(hashes)


def up_to_date(hashes: dict[str, str]) -> bool:
    return _matches(MANIFEST, hashes) and all(module_file(m).exists() for m in COMPILED_MODULES)


def _copy_tree_files(files: list[Path], src: Path, dst: Path) -> None:
    for f in files:
        target = dst / f.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, target)


def restore_cached(hashes: dict[str, str]) -> bool:
    """Put back the last build's files when it was built from these very sources."""
    if not _matches(CACHE / MANIFEST.name, hashes):
        return False
    files = sorted(CACHE.rglob("*.so"))
    _copy_tree_files([*files, CACHE / MANIFEST.name], CACHE, PACKAGE_DIR)
    return up_to_date(hashes)


def compile_in_place() -> None:
    from mypyc.build import mypycify
    from setuptools import setup  # type: ignore[import-untyped]

    build_dir = BUILD_DIR
    paths = [str(source_path(m).relative_to(SRC_DIR)) for m in COMPILED_MODULES]
    cwd = Path.cwd()
    os.chdir(SRC_DIR)  # mypyc names modules from paths relative to the source root
    try:
        ext = mypycify(
            ["--config-file", str(ROOT / "pyproject.toml"), *paths],
            target_dir=str(build_dir / "c"),
            group_name=GROUP,
        )
        setup(
            name="tradecore-fast",
            ext_modules=ext,
            script_args=["-q", "build_ext", "--inplace", "--build-temp", str(build_dir / "o")],
        )
    finally:
        os.chdir(cwd)


def build() -> int:
    why = missing_toolchain()
    if why is not None:
        print(
            f"make fast: cannot compile: {why}.\n"
            "Nothing was changed: the pure-Python build is loaded and works "
            "(`make demo`, `make test`).",
            file=sys.stderr,
        )
        return 2
    hashes = current_hashes()
    if up_to_date(hashes):
        print(f"make fast: compiled build up to date ({len(hashes)} modules), nothing to do")
        return 0
    if restore_cached(hashes):
        print(f"make fast: sources unchanged, {len(hashes)} compiled modules restored from {CACHE}")
        return 0
    for p in compiled_files():
        p.unlink()
    MANIFEST.unlink(missing_ok=True)
    done = stamp(hashes)
    t0 = time.monotonic()
    try:
        compile_in_place()
    except BaseException as exc:  # SystemExit from setup, CompileError, mypy errors
        for p in compiled_files():
            p.unlink()
        print(
            f"make fast: compiling failed ({exc!r}); compiled files removed, "
            "the pure-Python build is loaded",
            file=sys.stderr,
        )
        return 1
    if stamp(current_hashes()) != done:  # a source changed while compiling: record nothing
        print("make fast: a source changed during the build; run `make fast` again")
        return 1
    MANIFEST.write_text(json.dumps(done, indent=1) + "\n")
    shutil.rmtree(CACHE, ignore_errors=True)
    _copy_tree_files([*compiled_files(), MANIFEST], PACKAGE_DIR, CACHE)
    took = time.monotonic() - t0
    print(f"make fast: compiled {len(hashes)} modules with mypyc in {took:.0f} s")
    return 0


def main(argv: list[str]) -> int:
    if argv == ["build"]:
        return build()
    print(
        "usage: python -m tradecore.fastbuild build  (`make pure` removes the build)",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
