"""API keys: hashed at rest (scrypt, per-key salt), mapped to accounts and scopes, with a
token-bucket rate limit per key. A presented key is ``<key id>.<secret>``; only the id is ever
logged. Scopes: ``read``, ``trade``, ``risk-admin``, ``admin``."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tradecore.errors import ConfigError

SCOPES = ("read", "trade", "risk-admin", "admin")  # admin: the manual clock, the digest


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_secret(secret: str, stored: str) -> bool:
    try:
        algo, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if algo != "scrypt":
        return False
    got = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt_hex), n=2**14, r=8, p=1, dklen=32)
    return hmac.compare_digest(got.hex(), digest_hex)


@dataclass
class Principal:
    key_id: str
    accounts: frozenset[str]
    scopes: frozenset[str]

    def can_see(self, account: str) -> bool:
        return "*" in self.accounts or account in self.accounts


@dataclass
class _Bucket:
    tokens: float
    last: float


@dataclass
class KeyStore:
    """Key id -> (hash, accounts, scopes). Verified tokens are cached by their SHA-256 so
    scrypt (deliberately slow) runs once per key, not per request."""

    keys: dict[str, tuple[str, frozenset[str], frozenset[str]]] = field(default_factory=dict)
    rate_per_s: float = 50.0
    burst: float = 100.0
    _cache: dict[str, Principal] = field(default_factory=dict)
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def add(self, key_id: str, secret_hash: str, accounts: list[str], scopes: list[str]) -> None:
        bad = [s for s in scopes if s not in SCOPES]
        if bad:
            raise ConfigError(
                f"keys.{key_id}.scopes", f"unknown scope(s) {bad}; use {list(SCOPES)}"
            )
        self.keys[key_id] = (secret_hash, frozenset(accounts), frozenset(scopes))

    def create(self, key_id: str, accounts: list[str], scopes: list[str]) -> str:
        """Make a key; returns the token ``id.secret`` (shown once, never stored)."""
        secret = secrets.token_urlsafe(24)
        self.add(key_id, hash_secret(secret), accounts, scopes)
        return f"{key_id}.{secret}"

    def authenticate(self, token: str | None) -> Principal | None:
        if not token or "." not in token:
            return None
        fp = hashlib.sha256(token.encode()).hexdigest()
        hit = self._cache.get(fp)
        if hit is not None:
            return hit
        key_id, _, secret = token.partition(".")
        entry = self.keys.get(key_id)
        if entry is None or not verify_secret(secret, entry[0]):
            return None
        p = Principal(key_id, entry[1], entry[2])
        self._cache[fp] = p
        return p

    def allow(self, key_id: str, now: float | None = None) -> bool:
        """Token bucket: ``rate_per_s`` sustained, ``burst`` at once."""
        t = time.monotonic() if now is None else now
        b = self._buckets.get(key_id)
        if b is None:
            b = self._buckets[key_id] = _Bucket(self.burst, t)
        b.tokens = min(self.burst, b.tokens + (t - b.last) * self.rate_per_s)
        b.last = t
        if b.tokens < 1:
            return False
        b.tokens -= 1
        return True

    @staticmethod
    def load(path: str | Path) -> KeyStore:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(str(path), "keys file not found")
        data = tomllib.loads(p.read_text())
        ks = KeyStore(
            rate_per_s=float(data.get("rate_per_s", 50)), burst=float(data.get("burst", 100))
        )
        for key_id, entry in data.get("keys", {}).items():
            if "hash" not in entry:
                raise ConfigError(f"keys.{key_id}.hash", "missing")
            ks.add(
                key_id,
                entry["hash"],
                list(entry.get("accounts", [])),
                list(entry.get("scopes", ["read"])),
            )
        return ks
