"""API keys: hashed at rest (scrypt, per-key salt), mapped to accounts and scopes, with a
token-bucket rate limit per key and a throttle on failed authentications per client address
(each failure costs a scrypt, so a client that keeps guessing is answered 429 before any
hashing). A presented key is ``<key id>.<secret>``; only the id is ever logged. Scopes:
``read``, ``trade``, ``risk-admin``, ``metrics`` (per-account series of /metrics),
``admin`` (the manual market clock and the state digest, /v1/admin/*).

The keys file (``tradecore keygen`` writes it) is validated when the service starts: every
problem is one line naming the key (``keys.desk1.hash: ...``)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import re
import secrets
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticError

from tradecore.errors import ConfigError

SCOPES = ("read", "trade", "risk-admin", "metrics", "admin")  # admin: the manual clock, the digest
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ACCOUNT = re.compile(r"^(\*|[A-Za-z0-9_.:\-]{1,64})$")
HASH = re.compile(r"^scrypt\$[0-9a-f]{32}\$[0-9a-f]{64}$")
_N, _R, _P = 2**14, 8, 1


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_secret(secret: str, stored: str) -> bool:
    """Constant-time check of ``secret`` against ``scrypt$salt$digest``; a malformed stored
    hash never matches (and is refused when the keys file is loaded)."""
    if not HASH.fullmatch(stored):
        return False
    _, salt_hex, digest_hex = stored.split("$")
    try:
        got = hashlib.scrypt(
            secret.encode(), salt=bytes.fromhex(salt_hex), n=_N, r=_R, p=_P, dklen=32
        )
    except (ValueError, UnicodeEncodeError):
        return False
    return hmac.compare_digest(got.hex(), digest_hex)


def check_key(key_id: str, accounts: list[str], scopes: list[str]) -> None:
    """Refuse a key id, account or scope that the keys file could not carry or serve."""
    if not KEY_ID.fullmatch(key_id):
        raise ConfigError(
            f"keys.{key_id}", "a key id is 1-64 letters, digits, '_' or '-' (no '.', no quotes)"
        )
    if not accounts:
        raise ConfigError(f"keys.{key_id}.accounts", 'at least one account (or "*")')
    bad_acc = [a for a in accounts if not ACCOUNT.fullmatch(a)]
    if bad_acc:
        raise ConfigError(
            f"keys.{key_id}.accounts",
            f"invalid account(s) {bad_acc}: letters, digits, '_.:-' (1-64), or \"*\"",
        )
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise ConfigError(f"keys.{key_id}.scopes", f"unknown scope(s) {bad}; use {list(SCOPES)}")


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
class TokenBuckets:
    """Token buckets by name: ``rate_per_s`` sustained, ``burst`` at once."""

    rate_per_s: float
    burst: float
    max_names: int = 100_000
    _b: dict[str, _Bucket] = field(default_factory=dict)

    def _refill(self, name: str, now: float) -> _Bucket:
        b = self._b.get(name)
        if b is None:
            if len(self._b) >= self.max_names:
                self._b.clear()  # bounded memory: forgetting everyone only ever lets more in
            b = self._b[name] = _Bucket(self.burst, now)
        b.tokens = min(self.burst, b.tokens + (now - b.last) * self.rate_per_s)
        b.last = now
        return b

    def take(self, name: str, now: float | None = None) -> bool:
        b = self._refill(name, time.monotonic() if now is None else now)
        if b.tokens < 1:
            return False
        b.tokens -= 1
        return True

    def has(self, name: str, now: float | None = None) -> bool:
        return self._refill(name, time.monotonic() if now is None else now).tokens >= 1

    def retry_after(self, name: str, now: float | None = None) -> int:
        """Whole seconds until ``name`` has a token again (at least 1)."""
        b = self._refill(name, time.monotonic() if now is None else now)
        if self.rate_per_s <= 0:
            return 3600
        return max(1, math.ceil((1 - b.tokens) / self.rate_per_s))


class _KeyEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hash: Annotated[str, StringConstraints(pattern=HASH.pattern)]
    accounts: list[str]
    scopes: list[str] = ["read"]


class _KeysFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rate_per_s: float = Field(50.0, gt=0, allow_inf_nan=False)
    burst: float = Field(100.0, ge=1, allow_inf_nan=False)
    auth_failures_per_s: float = Field(0.5, gt=0, allow_inf_nan=False)
    auth_failures_burst: float = Field(10.0, ge=1, allow_inf_nan=False)
    keys: dict[str, _KeyEntry] = {}


def _reason(e: dict[str, Any]) -> str:
    if e.get("type") == "string_pattern_mismatch":
        return "malformed hash: expected scrypt$<32 hex salt>$<64 hex digest> (tradecore keygen)"
    return str(e.get("msg", "invalid"))


@dataclass
class KeyStore:
    """Key id -> (hash, accounts, scopes). Verified tokens are cached by their SHA-256 so
    scrypt (deliberately slow) runs once per key, not per request."""

    keys: dict[str, tuple[str, frozenset[str], frozenset[str]]] = field(default_factory=dict)
    rate_per_s: float = 50.0
    burst: float = 100.0
    auth_failures_per_s: float = 0.5
    auth_failures_burst: float = 10.0
    _cache: dict[str, Principal] = field(default_factory=dict)
    _buckets: TokenBuckets | None = None
    _failures: TokenBuckets | None = None

    def add(self, key_id: str, secret_hash: str, accounts: list[str], scopes: list[str]) -> None:
        check_key(key_id, accounts, scopes)
        if not HASH.fullmatch(secret_hash):
            raise ConfigError(f"keys.{key_id}.hash", _reason({"type": "string_pattern_mismatch"}))
        if key_id in self.keys:
            raise ConfigError(f"keys.{key_id}", "duplicate key id")
        self.keys[key_id] = (secret_hash, frozenset(accounts), frozenset(scopes))

    def create(self, key_id: str, accounts: list[str], scopes: list[str]) -> str:
        """Make a key; returns the token ``id.secret`` (shown once, never stored)."""
        secret = secrets.token_urlsafe(24)
        self.add(key_id, hash_secret(secret), accounts, scopes)
        return f"{key_id}.{secret}"

    def authenticate(self, token: str | None) -> Principal | None:
        if not token or "." not in token:
            return None
        fp = hashlib.sha256(token.encode(errors="replace")).hexdigest()
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

    def cached(self, token: str) -> Principal | None:
        """The principal of a token already verified (None: not verified yet, or bad)."""
        return self._cache.get(hashlib.sha256(token.encode(errors="replace")).hexdigest())

    def is_cached(self, token: str | None) -> bool:
        """A token already verified (no scrypt to pay for it)."""
        return bool(token) and (
            hashlib.sha256(str(token).encode(errors="replace")).hexdigest() in self._cache
        )

    # ------------------------------------------------------------------ rate limits
    def _rate(self) -> TokenBuckets:
        b = self._buckets
        if b is None or (b.rate_per_s, b.burst) != (self.rate_per_s, self.burst):
            b = self._buckets = TokenBuckets(self.rate_per_s, self.burst)
        return b

    def _fail(self) -> TokenBuckets:
        b = self._failures
        wanted = (self.auth_failures_per_s, self.auth_failures_burst)
        if b is None or (b.rate_per_s, b.burst) != wanted:
            b = self._failures = TokenBuckets(*wanted)
        return b

    def allow(self, key_id: str, now: float | None = None) -> bool:
        """Token bucket per key: ``rate_per_s`` sustained, ``burst`` at once."""
        return self._rate().take(key_id, now)

    def retry_after(self, key_id: str, now: float | None = None) -> int:
        return self._rate().retry_after(key_id, now)

    def client_throttled(self, client: str, now: float | None = None) -> int:
        """Seconds a client must wait before its next authentication attempt (0: go on)."""
        f = self._fail()
        return 0 if f.has(client, now) else f.retry_after(client, now)

    def note_failure(self, client: str, now: float | None = None) -> None:
        self._fail().take(client, now)

    # ------------------------------------------------------------------ the keys file
    @staticmethod
    def load(path: str | Path) -> KeyStore:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(str(path), "keys file not found")
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(str(path), f"cannot read the keys file: {e}") from None
        return KeyStore.parse(text, str(path))

    @staticmethod
    def parse(text: str, source: str = "keys file") -> KeyStore:
        """A key store from the text of a keys file; every problem is a ConfigError naming
        the key (``keys.<id>.hash``) or, for a TOML error, the file."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            # a key id declared twice is a TOML error too: "Cannot declare ('keys', 'x') twice"
            raise ConfigError(source, f"not a valid keys file: {e}") from None
        try:
            f = _KeysFile.model_validate(data)
        except PydanticError as e:
            err = e.errors()[0]
            loc = ".".join(str(x) for x in err["loc"])
            raise ConfigError(loc, _reason(dict(err))) from None
        ks = KeyStore(
            rate_per_s=f.rate_per_s, burst=f.burst,
            auth_failures_per_s=f.auth_failures_per_s, auth_failures_burst=f.auth_failures_burst,
        )  # fmt: skip
        for key_id, entry in f.keys.items():
            ks.add(key_id, entry.hash, entry.accounts, entry.scopes)
        return ks


def append_key(path: Path, key_id: str, accounts: list[str], scopes: list[str]) -> str:
    """Add a key to the keys file (created if absent, mode 0600) and return its token
    ``id.secret`` (shown once: only the scrypt hash is stored). The file is written with a
    TOML library and read back through the same validation as the service's start, so a
    file keygen accepts is one serve can read; nothing is written on a refusal."""
    import os
    import tempfile

    import tomli_w

    check_key(key_id, accounts, scopes)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    existing = KeyStore.parse(old, str(path)) if old.strip() else KeyStore()
    if key_id in existing.keys:
        raise ConfigError(f"keys.{key_id}", f"key id already in {path}; choose another id")
    secret = secrets.token_urlsafe(24)
    entry = {"hash": hash_secret(secret), "accounts": accounts, "scopes": scopes}
    text = old + ("\n" if old and not old.endswith("\n") else "")
    text += ("\n" if old else "") + tomli_w.dumps({"keys": {key_id: entry}})
    KeyStore.parse(text, str(path))  # what serve will read
    fd, tmp = tempfile.mkstemp(dir=path.parent or Path("."), prefix=".keys-", suffix=".toml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return f"{key_id}.{secret}"
