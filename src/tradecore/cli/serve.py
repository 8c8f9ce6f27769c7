"""``tradecore serve``: the REST/WebSocket API and dashboard on a journaled engine
(``tradecore keygen``: cli/keygen.py).

serve is composed like every runner, from bootstrap (the embedded simulated venues by
default). On start it recovers from its journal and goes on; ``--new-session`` moves the old
journal aside first (renamed with a timestamp, never deleted).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from tradecore.cli._common import user_errors
from tradecore.config import ClockMode
from tradecore.journal.url import JournalTarget


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


def build_service(
    config: Path | None,
    keys_file: Path | None,
    *,
    speed: float,
    demo_flow: bool,
    journal: Path | str | JournalTarget | None,
    new_session: bool = False,
    notes: list[str] | None = None,
    strategy: Path | None = None,
    clock: str | None = None,
) -> tuple[Any, Any, Any]:
    """The serve graph: bootstrap + journal (recovered) + engine service + app. ``journal``
    None: nothing journaled (tests). ``notes`` collects what serve tells the user."""
    from tradecore.bootstrap import build_system
    from tradecore.config import load_config
    from tradecore.journal.url import move_aside, open_for_writing, parse_url
    from tradecore.service.app import create_app
    from tradecore.service.auth import KeyStore
    from tradecore.service.metrics import Metrics
    from tradecore.service.resume import recover
    from tradecore.service.runner import EngineService

    said = notes if notes is not None else []
    cfg = load_config(config)
    target: JournalTarget | None = None  # None: nothing journaled
    if isinstance(journal, JournalTarget):
        target = journal
    elif journal is not None:
        target = parse_url(str(journal), "--journal")
    jr = None
    if target is not None and target.backend != "none":
        if new_session:
            moved = move_aside(target)
            if moved is not None:
                said.append(f"new session: the old journal is kept as {moved}")
        jr, warning = open_for_writing(target, cfg.journal, cfg)
        if warning:
            said.append(f"warning: {warning}")
    system = build_system(cfg, journal=jr)
    resumed = None
    if jr is not None:
        jr._clock_ns = system.clock.now_ns
        assert jr.store is not None
        resumed = recover(system, jr.store)
        said.append(f"journal {target.describe()}: {resumed.describe()}")  # type: ignore[union-attr]
    keys = KeyStore.load(keys_file) if keys_file else KeyStore()
    service = EngineService(
        system, Metrics(), speed=speed, demo_flow=demo_flow, resumed=resumed,
        clock_mode=clock or cfg.service.clock.value,
    )  # fmt: skip
    if strategy is not None:  # the same file a backtest runs, on the live feed
        from tradecore.strategy.live import attach_file

        rec = attach_file(system, strategy)
        system.extras["strategies"] = rec
        said.append(f"strategies running: {', '.join(s.name for s in rec.host.strategies)}")
    return create_app(service, keys), service, keys


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        config: Path | None = typer.Option(
            None, "--config", metavar="FILE", help="TOML config (default: embedded sim venues)"
        ),
        keys: Path | None = typer.Option(
            None, "--keys", metavar="FILE", help="API keys TOML (see `tradecore keygen`)"
        ),
        host: str | None = typer.Option(
            None, "--host", metavar="HOST", help="listen address (default [service] host)"
        ),
        port: int | None = typer.Option(
            None, "--port", min=1, max=65535, metavar="PORT", help="default [service] port"
        ),
        speed: float | None = typer.Option(
            None,
            "--speed",
            min=0.1,
            max=1000,
            metavar="FACTOR",
            help="simulated seconds per second (default [service] speed)",
        ),
        demo_flow: bool | None = typer.Option(
            None, "--demo-flow/--no-demo-flow", help="run the built-in demo order flow"
        ),
        journal: str | None = typer.Option(
            None,
            "--journal",
            metavar="URL",
            help="journal URL (sqlite:///PATH, postgresql://...) or file; default "
            "TRADECORE_JOURNAL, then [journal]",
        ),
        new_session: bool = typer.Option(
            False, "--new-session", help="move the old journal aside (kept) and start empty"
        ),
        strategy: Path | None = typer.Option(
            None, "--strategy", help="run this strategy file live (docs/strategies.md)"
        ),
        clock: ClockMode | None = typer.Option(
            None,
            "--clock",
            help="wall: the market moves in real time; manual: only by "
            "POST /v1/admin/clock (deterministic). Default [service] clock",
        ),
        log_level: LogLevel | None = typer.Option(
            None,
            "--log-level",
            help="JSON log lines on stderr; debug adds one per order and cancel (the journal "
            "audits every order). Default [service] log_level (info)",
        ),
        fix: Path | None = typer.Option(
            None,
            "--fix",
            metavar="FILE",
            help="also accept FIX 4.4 sessions, configured by FILE (docs/fix.md; the fix extra)",
        ),
    ) -> None:
        """Serve the REST + WebSocket API, /metrics and the live dashboard at http://HOST:PORT/.

        Recovers from its journal on start (orders, fills, positions) and goes on."""
        import uvicorn

        from tradecore.cli.progress import bar
        from tradecore.config import load_config
        from tradecore.journal.url import fingerprint, resolve
        from tradecore.service.logging import configure as configure_logs

        with user_errors():
            cfg = load_config(config)
            svc = cfg.service
            level = log_level.value if log_level is not None else svc.log_level
            configure_logs(level)
            target = resolve(cfg.journal, journal)
            notes: list[str] = []
            keys_path = keys or (Path(svc.keys) if svc.keys else None)
            if keys_path is not None:
                from tradecore.cli.keysfile import validate_keys_file

                validate_keys_file(keys_path)
            flow = svc.demo_flow if demo_flow is None else demo_flow
            fix_cfg = None
            if fix is not None:
                from tradecore.service.fix.wiring import load as load_fix

                fix_cfg = load_fix(fix)
            with bar(f"serve: opening and recovering journal {target.describe()}", None):
                app_, service, ks = build_service(
                    config, keys_path, speed=speed or svc.speed, demo_flow=flow,
                    journal=target, new_session=new_session, notes=notes, strategy=strategy,
                    clock=None if clock is None else clock.value,
                )  # fmt: skip
            for line in notes:
                typer.echo(line)
            if fix_cfg is not None:
                from tradecore.service.fix.wiring import attach_fix

                attach_fix(app_, service, *fix_cfg)
            h, p = host or svc.host, port or svc.port
            n_keys = len(ks.keys)
            keys_said = f"{n_keys} API key(s) from {keys_path}" if n_keys else "no API keys file"
            typer.echo(
                f"loaded: config {config or 'embedded defaults'} ({fingerprint(cfg)[1]}); "
                f"{keys_said}; demo flow {'on' if flow else 'off'}, speed {speed or svc.speed}x"
            )
            if not n_keys:
                token = ks.create("local", ["*"], ["read", "trade", "risk-admin", "admin"])
                typer.echo(f"no --keys given: a one-off admin key for this run: {token}")
                typer.echo(f"dashboard: http://{h}:{p}/ asks for it (a key never goes in a URL)")
            base = f"http://{h}:{p}"
            for name, url in (
                ("serving", f"{base}/ (Ctrl+C stops; a restart goes on from the journal)"),
                ("  dashboard", f"{base}/"),
                ("  REST API", f"{base}/v1/ (OpenAPI: {base}/docs)"),
                ("  WebSocket", f"ws://{h}:{p}/v1/stream"),
                ("  metrics", f"{base}/metrics (health: {base}/health)"),
                *fix_lines(fix_cfg),
            ):
                typer.echo(f"{name:<12}{url}")
        # uvicorn's own lines (an access line per request at info) only when debugging
        quiet = {"debug": "info", "error": "error"}.get(level, "warning")
        uvicorn.run(app_, host=h, port=p, log_level=quiet)


def fix_lines(fix_cfg: Any) -> list[tuple[str, str]]:
    """serve's line about the FIX acceptor (none without --fix)."""
    if fix_cfg is None:
        return []
    s = fix_cfg[0].session
    comps = ", ".join(sorted(fix_cfg[0].clients))
    return [("  FIX 4.4", f"{s.host}:{s.port} as {s.sender_comp_id} (sessions: {comps})")]
