"""Every command example in README.md and docs/ is run, and its output compared (issue 21).

An example is a fenced block marked ``console``: ``$ COMMAND`` lines, each followed by the
output it prints (stdout and stderr together). The commands of one file run in order in one
fresh directory, so ``run`` then ``replay`` then ``audit`` share a journal. Supported:
``tradecore ...`` (optionally after ``VAR=value`` words), ``cat FILE`` (when FILE does not exist
yet, the example defines it: the lines below become its content) and ``echo $?`` (the last
exit code). ``tradecore serve`` runs until it has printed its URLs, then is stopped.

Only what must vary is normalised, on both sides, before comparing line by line:
- the run's directory prints as ``/home/me`` (paths);
- wall times (``wall time 2.6s``, replay's ``seconds:``, the timestamp in the name
  ``--new-session`` gives the old journal) and wall latencies (the demo's
  ``engine submit (wall)`` percentiles; timing, memory and machine fields of bench JSON);
- API key secrets (random) and serve's port (the test uses a free one, printed as the doc's).
Everything else (counts, fills, prices, PnL, digests, simulated latencies) must match exactly.

``TRADECORE_UPDATE_DOCS=1 pytest tests/docs`` rewrites the outputs in the docs from a run.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
HOME = "/home/me"
UPDATE = os.environ.get("TRADECORE_UPDATE_DOCS") == "1"

_BENCH_VARYING = re.compile(r"(_us|_s|_per_s|seconds|rss_mb.*)$|^(python|machine|cpus|platform)$")
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"wall time \d+(\.\d+)?s"), "wall time Ns"),
    (re.compile(r"\(wall\) p50 [\d.]+ us, p99 [\d.]+ us"), "(wall) p50 N us, p99 N us"),
    (re.compile(r"^seconds: [\d.]+$"), "seconds: N"),
    (re.compile(r'^(\s*"seconds": )[\d.]+(,?)$'), r"\1N\2"),
    (re.compile(r"\b\d{8}T\d{6}Z\b"), "YYYYMMDDTHHMMSSZ"),  # --new-session's wall-clock name
    # the secret is URL-safe base64 and may end in "-" (no \b after it)
    (re.compile(r"\b([A-Za-z0-9_-]{1,64})\.[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])"), r"\1.SECRET"),
]


@dataclass
class Example:
    command: str
    expected: list[str]
    first: int  # line index (0-based) of the first expected line in the doc
    end: int  # one past the last expected line


@dataclass
class Doc:
    path: Path
    lines: list[str]
    examples: list[Example] = field(default_factory=list)
    stray: list[str] = field(default_factory=list)  # `$ tradecore` outside a console block


def parse(path: Path) -> Doc:
    doc = Doc(path, path.read_text().splitlines())
    fence: str | None = None
    cur: Example | None = None
    for i, line in enumerate(doc.lines):
        if line.startswith("```"):
            if fence is None:
                fence = line[3:].strip() or "text"
                continue
            if cur is not None:
                cur.end = i
                doc.examples.append(cur)
                cur = None
            fence = None
            continue
        if fence == "console":
            if line.startswith("$ "):
                if cur is not None:
                    cur.end = i
                    doc.examples.append(cur)
                cur = Example(line[2:], [], i + 1, i + 1)
            elif cur is not None:
                cur.expected.append(line)
            else:
                raise AssertionError(f"{path.name}:{i + 1}: output before any `$ ` command")
        elif fence is not None and line.lstrip().startswith("$ tradecore"):
            doc.stray.append(f"{path.name}:{i + 1}: {line.strip()}")
    return doc


def normalise(lines: list[str], workdir: Path) -> list[str]:
    out = []
    for line in lines:
        line = line.replace(str(workdir), HOME).rstrip()
        for pattern, repl in _RULES:
            line = pattern.sub(repl, line)
        if line.startswith('{"workload"'):
            data = json.loads(line)
            line = json.dumps(
                {k: ("N" if _BENCH_VARYING.search(k) else v) for k, v in data.items()},
                separators=(",", ":"),
            )
        out.append(line)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Runner:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.last_rc = 0
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TRADECORE_")}
        self.env.update({"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb", "PYTHONUNBUFFERED": "1"})
        self.env.pop("TTY_COMPATIBLE", None)

    def run(self, ex: Example) -> list[str]:
        words = shlex.split(ex.command)
        env = dict(self.env)
        while words and re.match(r"^[A-Z_]+=", words[0]):
            k, _, v = words.pop(0).partition("=")
            env[k] = v
        if words[:2] == ["echo", "$?"]:
            return [str(self.last_rc)]
        if words[0] == "cat" and len(words) == 2:
            path = self.workdir / words[1]
            if not path.exists():  # the example defines this input file
                path.write_text("\n".join(ex.expected) + "\n")
            self.last_rc = 0
            return path.read_text().splitlines()
        assert words[0] == "tradecore", f"unsupported command in a console example: {ex.command}"
        argv = [sys.executable, "-m", "tradecore", *words[1:]]
        if words[1:2] == ["serve"]:
            return self._serve(argv, env)
        done = subprocess.run(
            argv, cwd=self.workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, timeout=240, check=False,
        )  # fmt: skip
        self.last_rc = done.returncode
        return done.stdout.splitlines()

    def _serve(self, argv: list[str], env: dict[str, str]) -> list[str]:
        port = argv[argv.index("--port") + 1] if "--port" in argv else "8000"
        real = str(free_port())
        if "--port" in argv:
            argv[argv.index("--port") + 1] = real
        else:
            argv += ["--port", real]
        proc = subprocess.Popen(
            argv, cwd=self.workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        lines: list[str] = []
        deadline = time.monotonic() + 60
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line.rstrip("\n").replace(f":{real}", f":{port}"))
                if line.startswith("  metrics") or time.monotonic() > deadline:
                    break
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        self.last_rc = 0
        return lines


WITH_EXAMPLES = [p for p in DOCS if parse(p).examples]


@pytest.mark.parametrize("path", WITH_EXAMPLES, ids=[p.name for p in WITH_EXAMPLES])
def test_doc_examples_print_what_the_docs_say(path: Path, tmp_path: Path) -> None:
    doc = parse(path)
    assert not doc.stray, "`$ tradecore` outside a ```console block (not checked): " + "; ".join(
        doc.stray
    )
    runner = Runner(tmp_path)
    failures: list[str] = []
    replaced: list[tuple[Example, list[str]]] = []
    for ex in doc.examples:
        got = runner.run(ex)
        want_n, got_n = normalise(ex.expected, tmp_path), normalise(got, tmp_path)
        if want_n != got_n:
            replaced.append((ex, [g.replace(str(tmp_path), HOME).rstrip() for g in got]))
            diff = "\n".join(difflib.unified_diff(want_n, got_n, "docs", "program", lineterm=""))
            failures.append(f"{path.name}:{ex.first}: $ {ex.command}\n{diff}")
    if UPDATE and replaced:
        lines = list(doc.lines)
        for ex, got in sorted(replaced, key=lambda r: -r[0].first):
            lines[ex.first : ex.end] = got
        path.write_text("\n".join(lines) + "\n")
    assert not failures, "\n\n".join(failures)


def test_every_doc_example_block_is_checked() -> None:
    """A tradecore command shown in any fenced block must be in a checked console block."""
    stray = [s for p in DOCS for s in parse(p).stray]
    assert not stray, stray


_SHOWN = re.compile(r"^\s*(?:\.venv/bin/)?tradecore ([a-z].*?)\s*(?:#.*)?$")


def shown_without_output() -> list[tuple[str, str]]:
    """Commands shown in other fenced blocks (no output claimed; e.g. `bench all`, 70 s)."""
    found = []
    for path in DOCS:
        fence: str | None = None
        for i, line in enumerate(path.read_text().splitlines()):
            if line.startswith("```"):
                fence = None if fence is not None else (line[3:].strip() or "text")
                continue
            m = _SHOWN.match(line) if fence not in (None, "console") else None
            if m:
                found.append((f"{path.name}:{i + 1}", m.group(1)))
    return found


@pytest.mark.parametrize(("where", "command"), shown_without_output())
def test_commands_shown_without_output_parse(where: str, command: str) -> None:
    """Too long to run in the suite, but each must name a real command with valid options
    and values (parsed exactly as the CLI parses them, without running the command)."""
    import typer

    from tradecore.cli import app

    words = shlex.split(command.replace("[", "").replace("]", ""))  # a synopsis: [--opt V]
    group = typer.main.get_command(app)
    cmd = group.commands.get(words[0])  # type: ignore[attr-defined]
    assert cmd is not None, f"{where}: no command {words[0]!r}"
    cmd.make_context(words[0], words[1:])  # raises on an unknown option or a bad value
