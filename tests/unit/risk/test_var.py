"""VaR and correlation: returns on a common clock, a configured horizon (sqrt-time), three
methods checked against an independent numpy computation, an explicit warm-up policy."""

from __future__ import annotations

import math
import random
from decimal import Decimal
from itertools import pairwise

import numpy as np
import pytest
from scipy.stats import norm

from tests.unit.risk.conftest import BTC, ETH, START, Desk, desk
from tradecore.model import ReasonCode, Side
from tradecore.risk.events import RiskAlert

D = Decimal
BAR = 1_000_000_000  # var_bar_ms = 1000
W = {"BTC/USD": D(1000), "ETH/USD": D(-400)}


def feed(d: Desk, seed: int, bars: int = 80) -> list[tuple[int, str, float]]:
    """Quotes at random times: BTC about every bar, ETH in about half of them, sometimes
    twice in one bar, so a pairing by index would not line the two up in time."""
    rng = random.Random(seed)
    px = {"BTC/USD": 100.0, "ETH/USD": 10.0}
    sent: list[tuple[int, str, float]] = []
    t = START + BAR  # inside the desk's first bar
    for _ in range(bars):
        t += BAR
        for sym, iid, p_quote in (("BTC/USD", BTC, 0.9), ("ETH/USD", ETH, 0.5)):
            for _ in range(2 if rng.random() < 0.2 else 1):
                if rng.random() > p_quote:
                    continue
                px[sym] *= 1 + rng.gauss(0, 0.01)
                ts = t + rng.randrange(BAR)
                d.clock.advance_to(max(ts, d.clock.now_ns()))
                mid = round(px[sym], 2)
                d.quote(iid, f"{mid:.2f}", "0.005")
                sent.append((d.clock.now_ns(), sym, mid))
    return sent


def oracle_returns(quotes: list[tuple[int, str, float]], min_obs: int):  # type: ignore[no-untyped-def]
    """Bar closes (last mid before each bar's end, carried forward) -> aligned returns."""
    first, last = quotes[0][0] // BAR, quotes[-1][0] // BAR
    closes: list[dict[str, float]] = []
    i, cur = 0, {}
    for b in range(first, last):  # bars closed by a later quote
        while i < len(quotes) and quotes[i][0] < (b + 1) * BAR:
            cur[quotes[i][1]] = quotes[i][2]
            i += 1
        closes.append(dict(cur))
    rets: dict[str, list[float]] = {}
    for prev, now in pairwise(closes):
        for sym, p in now.items():
            if sym in prev:
                rets.setdefault(sym, []).append(p / prev[sym] - 1)
    syms = sorted(s for s, r in rets.items() if len(r) >= min_obs)
    n = min(len(rets[s]) for s in syms)
    return syms, np.array([rets[s][-n:] for s in syms]).T


def base_desk(**cfg: object) -> tuple[Desk, list[tuple[int, str, float]]]:
    d = desk({}, **cfg)
    # the desk's own setup quotes are the first prices of both symbols
    pre = [(START, "BTC/USD", 100.0), (START, "ETH/USD", 10.0), (START, "SAP", 50.0)]
    return d, pre + feed(d, seed=7)


@pytest.mark.parametrize("method", ["parametric", "historical", "monte_carlo"])
def test_var_matches_an_independent_numpy_computation(method: str) -> None:
    d, quotes = base_desk(var_method=method, var_horizon_ms=86_400_000)
    syms, m = oracle_returns(quotes, min_obs=30)
    assert syms == ["BTC/USD", "ETH/USD", "SAP"]  # SAP never moves: zero returns
    w = np.array([float(W.get(s, 0)) for s in syms])
    cov = np.cov(m, rowvar=False, ddof=1)
    got_syms, got_cov = d.pipeline.ctx.covariance()  # type: ignore[misc]
    assert got_syms == syms and np.allclose(got_cov, cov, rtol=1e-12, atol=0)
    scale = math.sqrt(86_400_000 / 1000)
    if method == "parametric":
        want = -norm.ppf(0.05) * math.sqrt(w @ cov @ w) * scale
    elif method == "historical":
        want = -np.quantile(m @ w, 0.05) * scale
    else:
        draws = np.random.default_rng(0).multivariate_normal([0, 0, 0], cov, 10_000, method="eigh")
        want = -np.quantile(draws @ w, 0.05) * scale
        # and Monte Carlo of a linear book agrees with the closed form within sampling error
        closed = -norm.ppf(0.05) * math.sqrt(w @ cov @ w) * scale
        assert abs(want - closed) / closed < 0.05
    got = d.pipeline.ctx.var(W)
    assert got is not None and math.isclose(got, want, rel_tol=1e-9)


def test_horizon_scales_by_the_square_root_of_time() -> None:
    one_bar, _ = base_desk(var_horizon_ms=1000)
    one_day, _ = base_desk(var_horizon_ms=86_400_000)
    a, b = one_bar.pipeline.ctx.var(W), one_day.pipeline.ctx.var(W)
    assert a is not None and b is not None
    assert math.isclose(b / a, math.sqrt(86_400), rel_tol=1e-12)


def test_returns_are_aligned_in_time_not_by_index() -> None:
    d = desk({})
    # ETH quotes only every third bar; both move +1% in each of those bars, at the same time
    btc, eth = 100.0, 10.0
    for i in range(1, 61):
        d.clock.advance_to(START + i * BAR)
        if i % 3 == 0:
            btc, eth = btc * 1.01, eth * 1.01
            d.quote(ETH, f"{eth:.4f}", "0.00005")
        d.quote(BTC, f"{btc:.4f}", "0.00005")
    r = d.pipeline.ctx.returns
    assert len(r["BTC/USD"]) == len(r["ETH/USD"])  # one return per bar for each
    tail_b, tail_e = list(r["BTC/USD"])[-9:], list(r["ETH/USD"])[-9:]
    assert np.allclose(tail_b, tail_e, atol=1e-4)  # the moves line up bar by bar


def test_warm_up_deny_policy_denies_with_the_reason() -> None:
    d = desk({"max_var": "1000"}, var_warmup="deny")
    res = d.submit(Side.BUY, "1")
    assert res.denial is not None and res.denial.reason is ReasonCode.VAR_LIMIT
    assert "warming up: 0 of 30 returns" in res.denial.message and res.denial.value == "0 obs"
    c = desk({"max_correlated_exposure": "1000"}, var_warmup="deny")
    res = c.submit(Side.BUY, "1")
    assert res.denial is not None and res.denial.reason is ReasonCode.CORRELATED_EXPOSURE


def test_warm_up_warn_policy_allows_with_one_warn_alert() -> None:
    d = desk({"max_var": "1000"})  # the default policy: warn
    alerts: list[RiskAlert] = []
    d.engine.bus.subscribe(RiskAlert, alerts.append)
    assert d.submit(Side.BUY, "0.01").ok
    assert d.submit(Side.BUY, "0.01").ok
    warm = [a for a in alerts if a.limit == "max_var:warmup"]
    assert len(warm) == 1 and warm[0].level == "WARN" and warm[0].threshold == 30


def test_unknown_var_method_is_a_config_error_naming_the_key() -> None:
    from tradecore.errors import ConfigError
    from tradecore.risk import RiskConfig

    with pytest.raises(ConfigError) as err:
        RiskConfig.from_dict({"var_method": "garch"})
    assert err.value.field == "risk.var_method"
    with pytest.raises(ConfigError) as err:
        RiskConfig.from_dict({"var_horizon_ms": 0})
    assert err.value.field == "risk.var_horizon_ms"
    with pytest.raises(ConfigError) as err:
        RiskConfig.from_dict({"var_horizn_ms": 1})
    assert "var_horizn_ms" in err.value.field
