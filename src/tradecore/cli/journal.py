"""``tradecore run``, ``tradecore replay`` and ``tradecore audit``: the journal's commands."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from tradecore.cli._common import order_counts, print_json, user_errors
from tradecore.cli.progress import bar
from tradecore.errors import JournalError

JOURNAL_HELP = "journal URL (sqlite:///PATH, postgresql://...) or SQLite file; default: "
JOURNAL_HELP += "TRADECORE_JOURNAL, then the config's [journal] section"
JSON_HELP = "machine-readable output (JSON on stdout)"


def register(app: typer.Typer) -> None:
    @app.command()
    def run(
        config: Path | None = typer.Option(None, "--config", metavar="FILE", help="TOML config"),
        journal: str | None = typer.Option(None, "--journal", metavar="URL", help=JOURNAL_HELP),
        seconds: int | None = typer.Option(
            None, "--seconds", min=1, metavar="SECONDS", help="simulated seconds (default 300)"
        ),
        as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
        strategy: Path | None = typer.Option(
            None,
            "--strategy",
            metavar="FILE",
            help="run this strategy file live instead of the demo flow",
        ),
        speed: float = typer.Option(
            1.0,
            "--speed",
            min=0.1,
            max=1000,
            metavar="X",
            help="--strategy: simulated seconds per second",
        ),
        out: Path = typer.Option(
            Path("run-report"), "--out", metavar="DIR", help="--strategy: report dir"
        ),
        param: list[str] = typer.Option(
            [], "--param", metavar="NAME=VALUE", help="--strategy: a strategy parameter"
        ),
    ) -> None:
        """Run the engine on the configured venues with the journal on; print a summary.
        With --strategy: that strategy runs live through the serve runner (docs/strategies.md)."""
        from tradecore.bootstrap import build_system
        from tradecore.config import load_config
        from tradecore.demo import run_demo
        from tradecore.journal.url import open_for_writing, resolve

        with user_errors():
            cfg = load_config(config)
            target = resolve(cfg.journal, journal)
            if target.backend == "none":
                raise typer.BadParameter("run needs a journal (none)", param_hint=target.field)
            jr, _ = open_for_writing(target, cfg.journal, cfg)
            system = build_system(cfg, journal=jr)
            jr._clock_ns = system.clock.now_ns
            if jr.store is not None and jr.store.max_seq() > 0:
                jr.close()
                raise typer.BadParameter(
                    f"journal {target.describe()} is not empty: use `tradecore replay`, "
                    "`tradecore serve` (it goes on from it) or a new journal",
                    param_hint=target.field,
                )
            if strategy is not None:
                from tradecore.cli.backtest import run_live

                run_live(system, strategy, seconds or 60, speed, out, param)
                jr.close()
                return
            secs = seconds if seconds is not None else cfg.demo.seconds
            with bar(f"run: {secs}s simulated", 100) as step:
                done = [0]

                def progress(i: int, n: int, _r: object) -> None:
                    pct = i * 100 // n
                    step(pct - done[0])
                    done[0] = pct

                report = run_demo(cfg, seconds=seconds, system=system, progress=progress)
            jr.close()
        parents, children = order_counts(system.engine.orders)
        summary = {
            "orders": parents,
            "child_orders": children,
            "events": report.events,
            "journal": {
                "store": target.describe(),
                "durability": jr.durability.value,
                "appended": jr.appended,
                "commits": jr.commits,
            },
            "state_digest": report.state_digest,
            "positions": report.positions,
        }
        if as_json:
            print_json(summary)
        else:
            typer.echo(  # plain lines: never wrapped (a long journal path stays one line)
                f"ran {report.seconds}s simulated: {parents} orders "
                f"({children} child orders at venues), {report.events} events"
            )
            typer.echo(
                f"journal {target.describe()} ({jr.durability.value}): "
                f"{jr.appended} events in {jr.commits} commits"
            )
            typer.echo(f"state digest {report.state_digest}")

    @app.command()
    def replay(
        journal: str | None = typer.Option(None, "--journal", metavar="URL", help=JOURNAL_HELP),
        config: Path | None = typer.Option(
            None, "--config", metavar="FILE", help="the config the journal was written with"
        ),
        no_snapshot: bool = typer.Option(
            False, "--no-snapshot", help="replay from the first event"
        ),
        as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
    ) -> None:
        """Rebuild engine state from a journal and print its state hash."""
        from tradecore.bootstrap import build_system
        from tradecore.config import load_config
        from tradecore.journal.recovery import business_digest
        from tradecore.journal.recovery import replay as do_replay
        from tradecore.journal.url import open_for_reading, resolve

        with user_errors():
            cfg = load_config(config)
            target = resolve(cfg.journal, journal)
            store = open_for_reading(target, cfg)  # refused under other instruments/venues
            system = build_system(cfg)
            t0 = time.perf_counter()
            risk = getattr(system.risk, "import_state", None) and system.risk
            try:
                with bar(f"replay {target.describe()}", store.max_seq()) as step:
                    rep = do_replay(
                        system.engine,
                        store,
                        system.positions,
                        use_snapshot=not no_snapshot,
                        risk=risk,  # type: ignore[arg-type]
                        progress=step,
                    )
            except (ValueError, KeyError, TypeError) as e:
                raise JournalError(f"journal {target.describe()} is damaged: {e}") from None
            finally:
                store.close()
            secs = time.perf_counter() - t0
        parents, children = order_counts(system.engine.orders)
        out = {
            "journal": target.describe(),
            "events_replayed": rep.replayed,
            "snapshot_seq": rep.snapshot_seq,
            "seq": system.engine.seq,
            "orders": parents,
            "child_orders": children,
            "seconds": round(secs, 3),
            "state_digest": system.engine.state_digest(),
            "business_digest": business_digest(system.engine, system.positions),
        }
        if risk:  # the emergency states (kill switch, reduce-only) the journal restored
            out["trading_state"] = system.risk.state()["trading_state"]  # type: ignore[union-attr]
        if as_json:
            print_json(out)
        else:
            for k, v in out.items():
                typer.echo(f"{k}: {v}")

    @app.command()
    def audit(
        journal: str | None = typer.Option(None, "--journal", metavar="URL", help=JOURNAL_HELP),
        config: Path | None = typer.Option(
            None, "--config", metavar="FILE", help="TOML config (its [journal] section)"
        ),
        order: str | None = typer.Option(
            None, "--order", metavar="ID", help="client order id (its children included)"
        ),
        account: str | None = typer.Option(
            None, "--account", metavar="ACCOUNT", help="every record of this account"
        ),
        since: str = typer.Option(
            "0", "--since", metavar="TIME", help="ISO-8601 time or ns (with --account)"
        ),
        as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
    ) -> None:
        """The full history of an order and its children, or of an account since a time."""
        from tradecore.config import load_config
        from tradecore.journal.audit import account_history, order_history, parse_since
        from tradecore.journal.url import open_for_reading, resolve

        with user_errors():
            if (order is None) == (account is None):
                raise typer.BadParameter("give exactly one of --order or --account")
            try:
                since_ns = parse_since(since)
            except ValueError:
                raise typer.BadParameter(
                    f"{since!r} is not ISO-8601 or nanoseconds", param_hint="--since"
                ) from None
            target = resolve(load_config(config).journal, journal)
            store = open_for_reading(target)
            try:
                rows = (
                    order_history(store, order)
                    if order
                    else account_history(store, account or "", since_ns)
                )
            except (ValueError, KeyError, TypeError) as e:
                raise JournalError(f"journal {target.describe()} is damaged: {e}") from None
            finally:
                store.close()
        if not rows:
            typer.echo("no records", err=True)
            raise typer.Exit(1)
        if as_json:
            print_json(rows)
            return
        t = Table(title=f"audit {'order ' + order if order else 'account ' + str(account)}")
        for col in ("seq", "time", "type", "order", "details"):
            t.add_column(col)
        for r in rows:
            d = r["data"]
            keys = (
                "reason",
                "message",
                "quantity",
                "price",
                "venue",
                "venue_order_id",
                "trade_id",
                "strategy",
                "level",
                "limit",
            )
            details = ", ".join(f"{k}={d[k]}" for k in keys if k in d and d[k] not in (None, ""))
            if r["type"] == "RoutingDecision":
                details += " children=" + json.dumps(
                    [(c["venue"], c["quantity"]) for c in d.get("children", [])]
                )
            t.add_row(str(r["seq"]), r["time"], r["type"], str(r["order"] or ""), details)
        Console(width=200).print(t)
