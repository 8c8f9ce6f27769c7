"""``tradecore serve``: the REST/WebSocket API and dashboard on a journaled engine
(``tradecore keygen``: cli/keygen.py).

serve is composed like every runner, from bootstrap (the embedded simulated venues by
default). On start it recovers from its journal and goes on; ``--new-session`` moves the old
journal aside first (renamed with a timestamp, never deleted).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from tradecore.cli._common import user_errors
from tradecore.config import ClockMode
from tradecore.journal.url import JournalTarget


def build_service(
    config: Path | None,
    keys_file: Path | None,
    *,
    speed: float,
    demo_flow: bool,
    journal: Path | str | JournalTarget | None,
    new_session: bool = False,
    notes: list[str] | None = None,
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
    return create_app(service, keys), service, keys


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        config: Path | None = typer.Option(
            None, "--config", help="TOML config (default: embedded sim venues)"
        ),
        keys: Path | None = typer.Option(
            None, "--keys", help="API keys TOML (see `tradecore keygen`)"
        ),
        host: str | None = typer.Option(None, "--host", help="default [service] host"),
        port: int | None = typer.Option(
            None, "--port", min=1, max=65535, help="default [service] port"
        ),
        speed: float | None = typer.Option(
            None, "--speed", min=0.1, max=1000, help="simulated seconds per second"
        ),
        demo_flow: bool | None = typer.Option(
            None, "--demo-flow/--no-demo-flow", help="run the built-in demo order flow"
        ),
        journal: str | None = typer.Option(
            None,
            "--journal",
            help="journal URL (sqlite:///PATH, postgresql://...) or file; default "
            "TRADECORE_JOURNAL, then [journal]",
        ),
        new_session: bool = typer.Option(
            False, "--new-session", help="move the old journal aside (kept) and start empty"
        ),
        clock: ClockMode | None = typer.Option(
            None,
            "--clock",
            help="wall: the market moves in real time; manual: only by "
            "POST /v1/admin/clock (deterministic). Default [service] clock",
        ),
    ) -> None:
        """Serve the REST + WebSocket API, /metrics and the live dashboard at http://HOST:PORT/.

        Recovers from its journal on start (orders, fills, positions) and goes on."""
        import uvicorn

        from tradecore.config import load_config
        from tradecore.journal.url import resolve

        with user_errors():
            cfg = load_config(config)
            svc = cfg.service
            target = resolve(cfg.journal, journal)
            notes: list[str] = []
            keys_path = keys or (Path(svc.keys) if svc.keys else None)
            if keys_path is not None:
                from tradecore.cli.keysfile import validate_keys_file

                validate_keys_file(keys_path)
            app_, _, ks = build_service(
                config, keys_path, speed=speed or svc.speed,
                demo_flow=svc.demo_flow if demo_flow is None else demo_flow,
                journal=target, new_session=new_session, notes=notes,
                clock=None if clock is None else clock.value,
            )  # fmt: skip
            for line in notes:
                typer.echo(line)
            h, p = host or svc.host, port or svc.port
            if not ks.keys:
                token = ks.create("local", ["*"], ["read", "trade", "risk-admin", "admin"])
                typer.echo(f"no --keys given: a one-off admin key for this run: {token}")
                typer.echo(f"dashboard: http://{h}:{p}/?key={token}&account={cfg.demo.account}")
        uvicorn.run(app_, host=h, port=p, log_level="warning")
