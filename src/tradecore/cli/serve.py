"""``tradecore serve``: the REST/WebSocket API and dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from tradecore.cli._common import user_errors


def build_service(
    config: Path | None,
    keys_file: Path | None,
    *,
    speed: float,
    demo_flow: bool,
    journal: Path | None,
) -> tuple[Any, Any, Any]:
    """The serve graph: bootstrap + journal + engine service + app (also used by tests)."""
    from tradecore.bootstrap import build_system
    from tradecore.config import load_config
    from tradecore.journal import open_journal
    from tradecore.service.app import create_app
    from tradecore.service.auth import KeyStore
    from tradecore.service.metrics import Metrics
    from tradecore.service.runner import EngineService

    cfg = load_config(config)
    jcfg = dict(cfg.journal)
    if journal is not None:
        jcfg.update({"backend": "sqlite", "path": str(journal)})
    jr = open_journal(jcfg) if jcfg else None
    system = build_system(cfg, journal=jr)
    if jr is not None:
        jr._clock_ns = system.clock.now_ns
    keys = KeyStore.load(keys_file) if keys_file else KeyStore()
    service = EngineService(system, Metrics(), speed=speed, demo_flow=demo_flow)
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
        host: str = typer.Option("127.0.0.1", "--host"),
        port: int = typer.Option(8000, "--port", min=1, max=65535),
        speed: float = typer.Option(
            1.0, "--speed", min=0.1, max=1000, help="simulated seconds per second"
        ),
        demo_flow: bool = typer.Option(
            True, "--demo-flow/--no-demo-flow", help="run the demo order flow"
        ),
        journal: Path | None = typer.Option(
            Path("tradecore-serve.db"), "--journal", help="SQLite journal file"
        ),
    ) -> None:
        """Serve the REST + WebSocket API, /metrics and the live dashboard at http://HOST:PORT/."""
        import uvicorn

        with user_errors():
            if journal is not None and journal.exists():
                journal.unlink()  # a fresh simulated session each start
            app_, _, ks = build_service(
                config, keys, speed=speed, demo_flow=demo_flow, journal=journal
            )
            if not ks.keys:
                token = ks.create("local", ["*"], ["read", "trade", "risk-admin"])
                typer.echo(f"no --keys given: a one-off admin key for this run: {token}")
                typer.echo(f"dashboard: http://{host}:{port}/?key={token}&account=DEMO")
        uvicorn.run(app_, host=host, port=port, log_level="warning")
