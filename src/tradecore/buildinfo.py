"""Which build of tradecore is loaded: pure Python, or the mypyc-compiled order path.

``make fast`` compiles the modules in :data:`COMPILED_MODULES` with mypyc, in place: the
extension modules land beside their ``.py`` files and Python's import system prefers them.
It records a SHA-256 of every compiled source in :data:`MANIFEST`; a compiled module whose
``.py`` no longer matches that hash is *stale* (the ``.so`` runs the old code until the next
``make fast``). ``make pure`` removes the compiled files. Nothing here imports mypyc.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from types import ModuleType

#: the order path's modules that ``make fast`` compiles (dotted names, all under tradecore)
COMPILED_MODULES: tuple[str, ...] = tuple(
    f"tradecore.{m}"
    for m in (
        "engine.clock",
        "engine.bus",
        "engine.core",
        "engine.execution",
        "engine.reports",
        "engine.state",
        "engine.stops",
        "engine.venueview",
        "oms.store",
        "oms.resting",
        "oms.parents",
        "model.orders",
        "model.validation",
        "model.order_checks",
        "venues.sim.book",
        "venues.sim.client",
        "venues.sim.levels",
        "venues.sim.restore",
        "venues.sim.views",
        "venues.sim.sessions",
        "routing.planner",
        "routing.sweep",
        "routing.health",
        "routing.scoring",
        "routing.fees",
        "risk.checks",
        "risk.pipeline",
        "risk.context",
        "risk.monitor",
        "risk.working",
        "risk.exposure",
        "risk.exposure_checks",
        "positions.keeper",
        "positions.position",
        "positions.ledger",
        "journal.journal",
        "portfolio.fx",
    )
)

PACKAGE_DIR = Path(__file__).resolve().parent
#: written by ``make fast``: {"modules": {dotted name: sha256 of its .py at build time}}
MANIFEST = PACKAGE_DIR / "_compiled.json"


def source_path(module: str, package_dir: Path = PACKAGE_DIR) -> Path:
    """The ``.py`` file of a dotted module name under tradecore."""
    parts = module.split(".")[1:]
    return package_dir.joinpath(*parts).with_suffix(".py")


def source_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def is_extension(module: ModuleType) -> bool:
    """True when the module was loaded from a compiled extension (``.so``/``.pyd``)."""
    name = getattr(module, "__file__", None) or ""
    return name.endswith(tuple(EXTENSION_SUFFIXES))


def read_manifest(path: Path = MANIFEST) -> dict[str, str]:
    """Source hashes recorded by the last ``make fast`` (empty when there is none)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    modules = data.get("modules") if isinstance(data, dict) else None
    if not isinstance(modules, dict):
        return {}
    return {str(k): str(v) for k, v in modules.items()}


@dataclass(frozen=True, slots=True)
class BuildStatus:
    capable: tuple[str, ...]  # modules ``make fast`` compiles
    compiled: tuple[str, ...]  # of those, the ones loaded as extension modules
    stale: tuple[str, ...]  # compiled modules whose .py changed since the build

    @property
    def label(self) -> str:
        return "compiled" if self.compiled else "pure"

    def lines(self) -> list[str]:
        """What ``tradecore info`` prints about the build."""
        if not self.compiled:
            return ["build pure Python (make fast compiles the order path with mypyc)"]
        out = [f"build compiled (mypyc): {len(self.compiled)} of {len(self.capable)} modules"]
        missing = sorted(set(self.capable) - set(self.compiled))
        if missing:
            out.append(f"  pure Python: {', '.join(missing)}")
        if self.stale:
            out.append(
                f"warning: {len(self.stale)} compiled module(s) older than their source, "
                f"run `make fast` again: {', '.join(self.stale)}"
            )
        return out


def build_status(
    modules: Iterable[str] = COMPILED_MODULES,
    load: Callable[[str], ModuleType] = importlib.import_module,
    manifest: dict[str, str] | None = None,
    package_dir: Path = PACKAGE_DIR,
) -> BuildStatus:
    """Import each compile-capable module and tell which are extension modules, and which
    of those no longer match the source hash recorded at build time."""
    capable = tuple(modules)
    recorded = read_manifest() if manifest is None else manifest
    compiled: list[str] = []
    stale: list[str] = []
    for name in capable:
        if not is_extension(load(name)):
            continue
        compiled.append(name)
        src = source_path(name, package_dir)
        if not src.exists() or recorded.get(name) != source_hash(src):
            stale.append(name)
    return BuildStatus(capable, tuple(compiled), tuple(stale))
