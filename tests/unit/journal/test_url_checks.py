"""Naming a journal: each malformed URL or unusable target is refused with one line naming the
field and why, before anything is written; a new session moves a journal aside, never over
another one."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecore.cli import app
from tradecore.config import load_config
from tradecore.errors import JournalError, ValidationError
from tradecore.journal.url import (
    JournalTarget,
    move_aside,
    open_for_reading,
    open_for_writing,
    open_store,
    parse_url,
    resolve,
)

DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"
NOBODY = "host=127.0.0.1 port=1 dbname=test user=postgres connect_timeout=2"


def _pg_up() -> bool:
    try:
        import psycopg

        psycopg.connect(DSN, connect_timeout=3).close()
        return True
    except Exception:
        return False


def _tables(p: Path) -> set[str]:
    db = sqlite3.connect(p)
    try:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        db.close()


# ---------------------------------------------------------------------- URLs
@pytest.mark.parametrize("url", ["sqlite:relative.db", "sqlite://host/j.db", "sqlite:///"])
def test_a_malformed_sqlite_url_says_how_to_write_one(url: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_url(url, "--journal")
    assert err.value.field == "--journal"
    assert err.value.reason == f"{url!r}: write sqlite:///relative.db or sqlite:////abs.db"


def test_the_cli_reports_a_malformed_url_as_one_line_naming_the_flag() -> None:
    res = CliRunner().invoke(app, ["replay", "--journal", "sqlite:j.db"])
    assert res.exit_code == 2
    assert res.output.strip() == (
        "error: --journal: 'sqlite:j.db': write sqlite:///relative.db or sqlite:////abs.db"
    )


def test_none_is_a_journal_that_records_nothing_and_cannot_be_read() -> None:
    t = parse_url("none")
    assert t.backend == "none"
    assert t.describe() == "none (nothing journaled)"
    cfg = load_config(None, {"journal": {"backend": "none"}}, env={})
    assert resolve(cfg.journal).backend == "none"
    with pytest.raises(ValidationError) as err:
        open_for_reading(t)
    assert (err.value.field, err.value.reason) == (
        "journal.url",
        "no journal configured (backend none)",
    )


def test_a_keyword_dsn_is_described_without_its_password() -> None:
    t = JournalTarget(
        "postgres", dsn="host=db port=5432 password=hunter2 user=eng dbname=prod", schema="s"
    )
    assert t.describe() == "postgresql host=db port=5432 user=eng dbname=prod (schema s)"


def test_a_url_dsn_keeps_its_other_parameters_and_is_described_without_secrets() -> None:
    t = parse_url("postgres://eng:hunter2@db:6543/prod?sslmode=require&schema=desk")
    assert (t.backend, t.schema) == ("postgres", "desk")
    assert t.dsn == "postgresql://eng:hunter2@db:6543/prod?sslmode=require"
    assert t.describe() == "postgresql://eng@db:6543/prod (schema desk)"


# ---------------------------------------------------------------------- SQLite targets
def test_a_journal_in_a_missing_folder_is_refused_before_creating_anything(
    tmp_path: Path,
) -> None:
    cfg = load_config(None, env={})
    target = JournalTarget("sqlite", path=str(tmp_path / "nope" / "j.db"), field="--journal")
    with pytest.raises(ValidationError) as err:
        open_for_writing(target, cfg.journal, cfg)
    assert err.value.field == "--journal"
    assert err.value.reason == f"{tmp_path / 'nope'} is not a directory"
    assert not (tmp_path / "nope").exists()


def test_reading_a_journal_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "absent.db"
    with pytest.raises(ValidationError, match="journal not found"):
        open_for_reading(JournalTarget("sqlite", path=str(p)))
    assert not p.exists()


def test_a_damaged_sqlite_file_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    p = tmp_path / "broken.db"
    db = sqlite3.connect(p)
    db.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, payload TEXT)")
    db.execute("CREATE INDEX ix ON events(payload)")
    db.executemany("INSERT INTO events VALUES (?, ?)", [(i, "x" * 50) for i in range(2000)])
    db.commit()
    db.close()
    data = bytearray(p.read_bytes())
    size = int.from_bytes(data[16:18], "big")
    data[9 * size + 8 : 9 * size + 200] = b"\xff" * 192  # page 10's cell pointers
    p.write_bytes(bytes(data))
    res = CliRunner().invoke(app, ["replay", "--journal", str(p)])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.output
    # SQLite answers either from its integrity check or by refusing the read: both say so
    assert lines[0].startswith(f"error: --journal: {p} is damaged: ")
    assert any(w in lines[0] for w in ("in database main", "database disk image is malformed"))
    assert p.read_bytes() == bytes(data)


def test_a_database_with_an_events_table_among_foreign_ones_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "app.db"
    db = sqlite3.connect(p)
    db.execute("CREATE TABLE events (id INTEGER)")
    db.execute("CREATE TABLE users (name TEXT)")
    db.commit()
    db.close()
    cfg = load_config(None, env={})
    with pytest.raises(ValidationError) as err:
        open_for_writing(JournalTarget("sqlite", path=str(p)), cfg.journal, cfg)
    assert err.value.reason == f"{p} is not a tradecore journal"
    assert _tables(p) == {"events", "users"}  # nothing created inside it


# ---------------------------------------------------------------------- a new session
def test_a_directory_is_never_moved_aside(tmp_path: Path) -> None:
    d = tmp_path / "j.db"
    d.mkdir()
    with pytest.raises(ValidationError) as err:
        move_aside(JournalTarget("sqlite", path=str(d), field="--journal"), now=0)
    assert (err.value.field, err.value.reason) == (
        "--journal",
        f"{d} is a directory, not a journal file",
    )
    assert d.is_dir()


def test_two_new_sessions_in_one_second_keep_both_old_journals(tmp_path: Path) -> None:
    p = tmp_path / "s.db"
    t = JournalTarget("sqlite", path=str(p))
    names = []
    for content in (b"first", b"second", b"third"):
        p.write_bytes(content)
        Path(str(p) + "-wal").write_bytes(content + b"-wal")
        names.append(move_aside(t, now=0))
    stamp = "19700101T000000Z"
    assert names == [
        str(tmp_path / f"s.{stamp}.db"),
        str(tmp_path / f"s.{stamp}-1.db"),
        str(tmp_path / f"s.{stamp}-2.db"),
    ]
    for name, content in zip(names, (b"first", b"second", b"third"), strict=True):
        assert name is not None
        assert Path(name).read_bytes() == content
        assert Path(name + "-wal").read_bytes() == content + b"-wal"  # its WAL goes with it
    assert not p.exists() and not Path(str(p) + "-wal").exists()


def test_a_journal_that_records_nothing_has_nothing_to_move_aside() -> None:
    assert move_aside(JournalTarget("none"), now=0) is None


# ---------------------------------------------------------------------- PostgreSQL targets
def test_an_unreachable_postgresql_server_is_one_line_naming_the_field() -> None:
    t = JournalTarget("postgres", dsn=NOBODY, schema="tc", field="journal.dsn")
    with pytest.raises(ValidationError) as err:
        open_store(t, create=True)
    assert err.value.field == "journal.dsn"
    assert err.value.reason.startswith("cannot connect to PostgreSQL: ")
    assert "\n" not in err.value.reason


def test_moving_aside_on_an_unreachable_server_is_a_journal_error() -> None:
    t = JournalTarget("postgres", dsn=NOBODY, schema="tc")
    with pytest.raises(JournalError, match="cannot move schema tc aside"):
        move_aside(t, now=0)


@pytest.mark.postgres
def test_a_new_session_renames_the_schema_and_keeps_its_events() -> None:
    if not _pg_up():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    import psycopg

    from tradecore.journal.postgres import PostgresStore

    schema = f"mv_{uuid.uuid4().hex[:10]}"
    t = JournalTarget("postgres", dsn=DSN, schema=schema)
    moved_name = f"{schema}_19700101t000000z"
    try:
        assert move_aside(t, now=0) is None  # no such schema yet: nothing to move
        store = PostgresStore(DSN, schema=schema)
        store.append([(1, 1, "X", "A", "c1", None, b'{"type":"X"}')], [])
        store.close()
        assert move_aside(t, now=0) == f"schema {moved_name}"
        with psycopg.connect(DSN, autocommit=True) as db:
            names = {
                r[0]
                for r in db.execute(
                    "SELECT schema_name FROM information_schema.schemata"
                    " WHERE schema_name IN (%s, %s)",
                    (schema, moved_name),
                ).fetchall()
            }
            kept = db.execute(f"SELECT count(*) FROM {moved_name}.events").fetchone()
        assert names == {moved_name}
        assert kept == (1,)
    finally:
        with psycopg.connect(DSN, autocommit=True) as db:
            db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            db.execute(f"DROP SCHEMA IF EXISTS {moved_name} CASCADE")
