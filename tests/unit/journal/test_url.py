"""One journal URL everywhere; a journal is checked before anything is written into it."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecore.cli import app
from tradecore.config import load_config
from tradecore.errors import ValidationError
from tradecore.journal.url import (
    JournalTarget,
    move_aside,
    open_for_reading,
    open_for_writing,
    parse_url,
    resolve,
)

DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"


def test_urls_and_paths() -> None:
    assert parse_url("sqlite:///rel/j.db") == JournalTarget(
        "sqlite", path="rel/j.db", field="journal.url"
    )
    assert parse_url("sqlite:////abs/j.db").path == "/abs/j.db"
    assert parse_url("plain.db").path == "plain.db"
    pg = parse_url("postgresql://postgres@127.0.0.1:5432/test?schema=s1")
    assert (pg.backend, pg.schema, pg.dsn) == (
        "postgres",
        "s1",
        "postgresql://postgres@127.0.0.1:5432/test",
    )
    assert "secret" not in parse_url("postgresql://u:secret@h/db").describe()
    with pytest.raises(ValidationError, match="unknown scheme"):
        parse_url("mysql://x")


def test_the_flag_wins_over_the_environment_which_wins_over_the_file() -> None:
    cfg = load_config(
        None, {"journal": {"path": "file.db"}}, env={"TRADECORE_JOURNAL": "sqlite:///env.db"}
    )
    assert resolve(cfg.journal).path == "env.db"
    assert resolve(cfg.journal, "flag.db").path == "flag.db"
    cfg = load_config(None, {"journal": {"path": "file.db"}}, env={})
    assert resolve(cfg.journal).path == "file.db"
    cfg = load_config(None, {"journal": {"backend": "postgres", "schema": "abc"}}, env={})
    assert resolve(cfg.journal).schema == "abc"


def test_a_foreign_sqlite_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    p = tmp_path / "app.db"
    db = sqlite3.connect(p)
    db.execute("CREATE TABLE users (name TEXT)")
    db.commit()
    db.close()
    res = CliRunner().invoke(app, ["replay", "--journal", str(p)])
    assert res.exit_code == 2
    assert "not a tradecore journal (it holds users)" in res.output
    tables = {r[0] for r in sqlite3.connect(p).execute("SELECT name FROM sqlite_master")}
    assert tables == {"users"}  # no tradecore table was created inside it
    cfg = load_config(None, env={})
    with pytest.raises(ValidationError, match="not a tradecore journal"):
        open_for_writing(JournalTarget("sqlite", path=str(p)), cfg.journal, cfg)


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "notes.db"
    p.write_text("hello, not a database")
    for cmd in (["replay"], ["audit", "--order", "X"], ["run", "--seconds", "1"]):
        res = CliRunner().invoke(app, [*cmd, "--journal", str(p)])
        assert res.exit_code == 2
        assert (
            res.output.strip()
            == f"error: --journal: {p} is not a tradecore journal (not a SQLite file)"
        )
    assert p.read_text() == "hello, not a database"


def test_a_journal_of_other_instruments_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "j.db"
    cfg = load_config(None, env={})
    jr, _ = open_for_writing(JournalTarget("sqlite", path=str(p)), cfg.journal, cfg)
    jr.close()
    other = cfg.model_copy(update={"venues": cfg.venues[:2]})
    with pytest.raises(ValidationError, match="another configuration") as err:
        open_for_writing(JournalTarget("sqlite", path=str(p)), cfg.journal, other)
    assert "venues SIMA,SIMB,SIMC" in err.value.reason
    with pytest.raises(ValidationError, match="another configuration"):
        open_for_reading(JournalTarget("sqlite", path=str(p)), other)
    open_for_reading(JournalTarget("sqlite", path=str(p)), cfg).close()


def test_replay_under_a_config_with_other_instruments_refuses(tmp_path: Path) -> None:
    p = tmp_path / "j.db"
    assert CliRunner().invoke(app, ["run", "--seconds", "5", "--journal", str(p)]).exit_code == 0
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        '[[instruments]]\nsymbol = "BTC/USD"\ntick = "0.01"\nlot = "0.0001"\nstart_price = "60000"\n'
    )
    res = CliRunner().invoke(app, ["replay", "--journal", str(p), "--config", str(cfg)])
    assert res.exit_code == 2
    assert "another configuration" in res.output


def test_a_new_session_moves_the_journal_aside_and_keeps_it(tmp_path: Path) -> None:
    p = tmp_path / "s.db"
    cfg = load_config(None, env={})
    assert CliRunner().invoke(app, ["run", "--seconds", "5", "--journal", str(p)]).exit_code == 0
    size = p.stat().st_size
    moved = move_aside(JournalTarget("sqlite", path=str(p)), now=0)
    assert moved == str(tmp_path / "s.19700101T000000Z.db")
    assert not p.exists() and Path(moved).stat().st_size == size
    again = move_aside(JournalTarget("sqlite", path=str(p)), now=0)
    assert again is None  # nothing there to move
    store = open_for_reading(JournalTarget("sqlite", path=moved), cfg)
    assert store.max_seq() > 0
    store.close()


def _pg() -> bool:
    try:
        import psycopg

        psycopg.connect(DSN, connect_timeout=3).close()
        return True
    except Exception:
        return False


@pytest.mark.postgres
def test_run_replay_and_audit_on_postgresql_say_which_store(tmp_path: Path) -> None:
    if not _pg():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    from tradecore.journal.postgres import PostgresStore

    schema = f"cli_{uuid.uuid4().hex[:10]}"
    url = f"postgresql://postgres@127.0.0.1:5432/test?schema={schema}"
    try:
        res = CliRunner().invoke(app, ["run", "--seconds", "5", "--journal", url, "--json"])
        assert res.exit_code == 0, res.output
        assert f"(schema {schema})" in res.output
        rep = CliRunner().invoke(
            app, ["replay", "--journal", url], env={"TRADECORE_JOURNAL": "x.db"}
        )
        assert rep.exit_code == 0 and f"(schema {schema})" in rep.output
        env = CliRunner().invoke(
            app, ["audit", "--account", "DEMO"], env={"TRADECORE_JOURNAL": url}
        )
        assert env.exit_code == 0, env.output
        missing = CliRunner().invoke(app, ["replay", "--journal", url + "_nope"])
        assert missing.exit_code == 2 and "journal not found" in missing.output
    finally:
        PostgresStore(DSN, schema=schema).drop()
