"""API keys: keygen writes a keys file serve can read, or refuses with one line; the keys
file is validated at start (issue 15: keygen wrote broken TOML; a malformed hash answered 500)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecore.cli import app
from tradecore.errors import ConfigError
from tradecore.service.auth import KeyStore, hash_secret, verify_secret


def keygen(keys: Path, *args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, ["keygen", *args, "--keys", str(keys)])
    return res.exit_code, res.stdout, res.stderr


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_keygen_writes_a_0600_file_that_serve_reads_and_the_token_works(tmp_path: Path) -> None:
    keys = tmp_path / "keys.toml"
    code, out1, _ = keygen(keys, "desk1", "--accounts", "A,B", "--scopes", "read,trade")
    assert code == 0
    code, out2, _ = keygen(keys, "ops", "--accounts", "*", "--scopes", "read,metrics")
    assert code == 0
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    ks = KeyStore.load(keys)
    p = ks.authenticate(out1.strip())
    assert p is not None and p.accounts == {"A", "B"} and p.scopes == {"read", "trade"}
    q = ks.authenticate(out2.strip())
    assert q is not None and q.accounts == {"*"} and q.scopes == {"read", "metrics"}
    assert out1.strip().split(".")[1] not in keys.read_text()  # only the hash is stored


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["a.b", "--accounts", "A"], "keys.a.b"),  # a dotted id is a nested TOML table
        (['x"y', "--accounts", "A"], "keys.x"),
        (["desk", "--accounts", 'A", "*'], "keys.desk.accounts"),  # TOML injection
        (["desk", "--accounts", "A", "--scopes", "read,root"], "keys.desk.scopes"),
        (["desk", "--accounts", ""], "keys.desk.accounts"),
    ],
)
def test_keygen_refuses_what_the_keys_file_cannot_carry(
    tmp_path: Path, args: list[str], names: str
) -> None:
    keys = tmp_path / "keys.toml"
    code, out, err = keygen(keys, *args)
    assert code == 2 and out == ""  # no token printed
    assert one_line_error(err).startswith(f"error: {names}")
    assert not keys.exists()


def test_keygen_refuses_a_reused_id_and_leaves_the_file_alone(tmp_path: Path) -> None:
    keys = tmp_path / "keys.toml"
    assert keygen(keys, "desk", "--accounts", "A")[0] == 0
    before = keys.read_bytes()
    code, out, err = keygen(keys, "desk", "--accounts", "B")
    assert code == 2 and out == ""
    assert "already" in one_line_error(err) and "keys.desk" in err
    assert keys.read_bytes() == before
    assert len(KeyStore.load(keys).keys) == 1


def test_keygen_refuses_to_add_to_a_broken_keys_file(tmp_path: Path) -> None:
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys.x]\nhash = "scrypt$00$11"\naccounts = ["A"]\n')
    code, _, err = keygen(keys, "desk", "--accounts", "A")
    assert code == 2 and "keys.x.hash" in one_line_error(err)


GOOD = hash_secret("s3cret")


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ('[keys.x]\nhash = "scrypt$zz$00"\naccounts = ["A"]\n', "keys.x.hash", "malformed hash"),
        (f'[keys.x]\nhash = "{GOOD}"\naccounts = ["A"]\n[keys.x]\nhash = "{GOOD}"\n',
         "keys.toml", "twice"),
        (f'[keys.x]\nhash = "{GOOD}"\naccounts = ["A"]\nscopes = ["root"]\n', "keys.x.scopes",
         "unknown scope"),
        (f'[keys.x]\nhash = "{GOOD}"\n', "keys.x.accounts", "required"),
        (f'[keys.x]\nhash = "{GOOD}"\naccounts = ["A"]\nscope = ["read"]\n', "keys.x.scope",
         "not permitted"),
        (f'[keys."a b"]\nhash = "{GOOD}"\naccounts = ["A"]\n', "keys.a b", "key id"),
        ("rate_per_s = -5\n", "rate_per_s", "greater than 0"),
    ],
)  # fmt: skip
def test_the_keys_file_is_validated_at_start_naming_the_key(
    tmp_path: Path, text: str, field: str, reason: str
) -> None:
    keys = tmp_path / "keys.toml"
    keys.write_text(text)
    with pytest.raises(ConfigError) as e:
        KeyStore.load(keys)
    assert e.value.field.endswith(field) and reason in e.value.reason, str(e.value)


def test_serve_with_a_bad_keys_file_exits_2_with_one_line(tmp_path: Path) -> None:
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys.x]\nhash = "scrypt$zz$00"\naccounts = ["A"]\n')
    res = CliRunner().invoke(
        app, ["serve", "--keys", str(keys), "--journal", str(tmp_path / "j.db")]
    )
    assert res.exit_code == 2
    assert one_line_error(res.stderr).startswith("error: keys.x.hash: malformed hash")


def test_a_malformed_stored_hash_never_raises_it_just_does_not_match() -> None:
    ks = KeyStore()
    ks.keys["x"] = ("scrypt$zz$00", frozenset({"A"}), frozenset({"read"}))  # bypassing load
    assert ks.authenticate("x.anything") is None  # was a ValueError (a 500 to the caller)
    for bad in ("scrypt$zz$00", "scrypt$$", "bcrypt$00$11", "", GOOD + "x"):
        assert verify_secret("s3cret", bad) is False
    assert verify_secret("s3cret", GOOD) is True
