"""The smart order router as a pure planner: ``plan(order, view) -> Plan``.

No engine, no venue client, no I/O, no mutation of orders: the planner reads a
:class:`RoutingView` (books, fees, venue stats and health, our own resting orders) and returns
the children to send and why. The execution module (:mod:`tradecore.engine.execution`) sends
them. Strategies:

* ``split``: sweep the consolidated book by all-in price (:func:`~tradecore.routing.sweep.sweep`),
  IOC limit children;
* ``best``: the whole order to the venue with the highest score (ties: the better all-in
  price, then the venue name); the decision's reason names the score;
* ``passive`` (and a GTC/DAY limit parent's unfillable rest, and every post-only parent): one
  resting limit child on the venue with the lowest *maker* fee (rebates first), score next;
  post-only parents post post-only children, and never on a venue where they would cross.

Self-trade prevention: a venue's levels at or beyond the price at which the same account rests
on the other side of that venue's book are left out of the sweep, so no child can reach our
own order (docs/routing.md).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final, NamedTuple, Protocol

import msgspec

from tradecore.model.enums import OrderType, Side, TimeInForce
from tradecore.model.identifiers import InstrumentId, Venue
from tradecore.model.orders import Order
from tradecore.routing.config import RoutingConfig, Strategy
from tradecore.routing.decisions import VenueScore
from tradecore.routing.health import BreakerState
from tradecore.routing.scoring import venue_score
from tradecore.routing.sweep import ChildPlan, VenueInput, sweep

# enum members read on the hot path, bound once (on CPython 3.11 each Enum.MEMBER read
# goes through EnumType.__getattr__'s slow attribute hook)
_BEST: Final = Strategy.BEST
_BUY: Final = Side.BUY
_DAY: Final = TimeInForce.DAY
_GTC: Final = TimeInForce.GTC
_HALF_OPEN: Final = BreakerState.HALF_OPEN
_IOC: Final = TimeInForce.IOC
_LIMIT: Final = OrderType.LIMIT
_PASSIVE: Final = Strategy.PASSIVE
_SPLIT: Final = Strategy.SPLIT


ZERO = Decimal(0)
Levels = tuple[tuple[Decimal, Decimal], ...]


class VenueListing(msgspec.Struct, frozen=True, gc=False):
    """What does not change while the engine runs: one venue's listing of one symbol."""

    venue: Venue
    instrument_id: InstrumentId
    lot: Decimal
    min_qty: Decimal
    min_notional: Decimal
    taker_rate: Decimal
    maker_rate: Decimal
    disabled: bool


class VenueNow(msgspec.Struct, frozen=True, gc=False):
    """One venue as it is now: why it cannot be used ("" if it can), breaker, stats."""

    excluded: str
    breaker: BreakerState
    latency_us: int
    fill_rate: Decimal


class RoutingView(Protocol):
    """Read-only: everything the planner may know."""

    def listings(self, symbol: str) -> Sequence[VenueListing]: ...

    def now(self, venue: Venue) -> VenueNow: ...

    def depth(self, instrument_id: InstrumentId, side: Side) -> tuple[int, Levels] | None:
        """The book side a taker on ``side`` trades against (asks for a buy), with the book
        version, best first; None if the venue has no book."""
        ...

    def rests(self, account: str) -> bool:
        """Whether ``account`` may rest anywhere (False: no own_best question is needed)."""
        ...

    def own_best(self, account: str, instrument_id: InstrumentId, side: Side) -> Decimal | None:
        """The best price at which ``account`` rests on ``side`` of that venue's book."""
        ...


class ChildSpec(msgspec.Struct, frozen=True, gc=False):
    venue: Venue
    quantity: Decimal
    limit: Decimal | None
    order_type: OrderType
    time_in_force: TimeInForce
    post_only: bool = False


class Plan(msgspec.Struct, frozen=True, gc=False):
    children: tuple[ChildSpec, ...]
    scores: tuple[VenueScore, ...]
    reason: str
    cached: bool = False
    stp_capped: tuple[Venue, ...] = ()  # venues whose depth was cut before our own order
    post_only_crossed: bool = False  # a post-only parent would cross on every venue
    self_trade_blocked: bool = False  # every venue left would trade with our own order


_LIMITS = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT})  # a triggered stop limit is one


class _Gathered(NamedTuple):
    inputs: list[VenueInput]
    scores: tuple[VenueScore, ...]
    capped: tuple[Venue, ...]
    near: dict[Venue, Levels]
    makers: dict[Venue, Decimal]
    own: dict[Venue, Decimal]  # where the account rests on the other side, per venue
    books: list[tuple[Venue, int, int]]  # (venue, book version, depth) of each input


def _crosses(side: Side, price: Decimal, levels: Levels) -> bool:
    return bool(levels) and (levels[0][0] <= price if side is _BUY else levels[0][0] >= price)


class Planner:
    """Plans are a pure function of the order, the view and the config; results and scores
    are memoised on their inputs (bounded), which changes nothing but the time taken."""

    def __init__(self, config: RoutingConfig) -> None:
        self.config = config
        # the frozen config's fields read per order, as plain attributes (a pydantic model's
        # attribute read goes through its __getattr__ hook, several times slower)
        self._strategy = config.strategy
        self._cache_size = config.cache_size
        self._penalty = config.latency_penalty_bps_per_ms
        self._max_venues = config.max_venues
        self._min_child = config.min_child_qty
        self._weights = config.weights
        # plans memoised for one state of the books: every entry was planned on the books
        # ``_books`` (venue, version, depth of each eligible venue); when a book moves (its
        # version only grows) the entries can never match again and go. The newest plan is
        # keyed only once a later order finds the same books: most orders see a book that
        # has moved since the last one, and then the memo costs them one list comparison.
        self._cache: OrderedDict[tuple[Any, ...], Plan] = OrderedDict()
        self._books: list[tuple[Venue, int, int]] | None = None
        self._unkeyed: tuple[tuple[Any, ...], _Gathered, Plan] | None = None
        self._scores: dict[tuple[Any, ...], Decimal] = {}
        self.cache_hits = 0

    def forget(self) -> None:
        self._cache.clear()
        self._books = self._unkeyed = None
        self._scores.clear()

    # ------------------------------------------------------------------ inputs
    def _inputs(self, order: Order, view: RoutingView, excluded: frozenset[Venue]) -> _Gathered:
        buy = order.side is _BUY
        qty, limit = order.leaves_qty, order.price
        own_side = order.side.opposite
        raw: list[tuple[Any, ...]] = []
        fee_min = fee_max = lat_min = None
        capped: list[Venue] = []
        near: dict[Venue, Levels] = {}  # the side a post-only child must not cross
        makers: dict[Venue, Decimal] = {}
        owns: dict[Venue, Decimal] = {}
        rests = view.rests(order.account)
        for li in view.listings(order.instrument_id.symbol):
            makers[li.venue] = li.maker_rate
            venue = li.venue
            st = view.now(venue)
            reason = st.excluded
            if li.disabled:
                reason = "disabled by config"
            elif venue in excluded:
                reason = "failed earlier for this order"
            version, avail = -1, ZERO
            levels: Levels = ()
            if not reason:
                got = view.depth(li.instrument_id, order.side)
                if got is None:
                    reason = "no book"
                else:
                    version, levels = got
                    near[venue] = levels
                    own = (
                        view.own_best(order.account, li.instrument_id, own_side) if rests else None
                    )
                    if own is not None:
                        owns[venue] = own
                        # self-trade prevention: only levels strictly better than our own order
                        kept = tuple(lv for lv in levels if (lv[0] < own if buy else lv[0] > own))
                        if len(kept) != len(levels):
                            capped.append(venue)
                            levels = kept
                    for price, size in levels:
                        if limit is not None and (price > limit if buy else price < limit):
                            break  # best first: nothing further is within the limit either
                        avail += size
            fee = li.taker_rate
            lat = st.latency_us
            if not reason:
                fee_min = fee if fee_min is None or fee < fee_min else fee_min
                fee_max = fee if fee_max is None or fee > fee_max else fee_max
                lat_min = lat if lat_min is None or lat < lat_min else lat_min
            raw.append((li, reason, levels, version, avail, fee, lat, st))
        inputs: list[VenueInput] = []
        scores: list[VenueScore] = []
        books: list[tuple[Venue, int, int]] = []
        w = self._weights
        for li, reason, levels, version, avail, fee, lat, st in raw:
            score = ZERO
            if not reason:
                # the score depends on liquidity only through min(available / quantity, 1)
                liq = avail if avail < qty else None
                key = (liq, qty if liq is not None else None, fee, fee_min, fee_max, lat,
                       lat_min, st.fill_rate, st.breaker)  # fmt: skip
                memo = self._scores.get(key)
                if memo is None:
                    memo = venue_score(
                        w, available=avail, quantity=qty, fee_rate=fee,
                        fee_min=fee_min or ZERO, fee_max=fee_max or ZERO, latency_us=lat,
                        latency_min_us=lat_min or 1, fill_rate=st.fill_rate,
                        half_open=st.breaker is _HALF_OPEN,
                    )  # fmt: skip
                    if len(self._scores) >= 4096:
                        self._scores.clear()
                    self._scores[key] = memo
                score = memo
                inputs.append(
                    VenueInput(li.venue, levels, fee, lat, li.lot, li.min_qty, li.min_notional,
                               version)
                )  # fmt: skip
                books.append((li.venue, version, len(levels)))
            scores.append(
                VenueScore(li.venue, avail, fee, lat, st.fill_rate, st.breaker.value, score, reason)
            )
        return _Gathered(inputs, tuple(scores), tuple(capped), near, makers, owns, books)

    # ------------------------------------------------------------------ plan
    def plan(
        self,
        order: Order,
        view: RoutingView,
        *,
        excluded: frozenset[Venue] = frozenset(),
        allow_post: bool = True,
    ) -> Plan:
        """Children for ``order``'s leaves quantity (none: the reason says why)."""
        g = self._inputs(order, view, excluded)
        if not self._cache_size:
            return self._decide(order, g, allow_post)
        asked = (
            order.instrument_id.symbol, order.side, order.leaves_qty, order.price,
            order.order_type, order.time_in_force, order.post_only, self._strategy, allow_post,
        )  # fmt: skip
        if g.books != self._books:  # a book moved: no memoised plan can match any more
            self._cache.clear()
            self._books = g.books
            plan = self._decide(order, g, allow_post)
            self._unkeyed = (asked, g, plan)
            return plan
        un = self._unkeyed
        if un is not None:
            self._unkeyed = None
            self._store(_key(un[0], un[1]), un[2])
        key = _key(asked, g)
        hit = self._cache.get(key)
        if hit is not None:
            self.cache_hits += 1
            return msgspec.structs.replace(hit, cached=True)
        plan = self._decide(order, g, allow_post)
        self._store(key, plan)
        return plan

    def _store(self, key: tuple[Any, ...], plan: Plan) -> None:
        self._cache[key] = plan
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _decide(self, order: Order, g: _Gathered, allow_post: bool) -> Plan:
        inputs, scores, capped = g.inputs, g.scores, g.capped
        side, qty, limit = order.side, order.leaves_qty, order.price
        if order.post_only:
            return self._post(order, g, "post-only")
        taking: list[ChildPlan] = []
        why = ""
        strategy = self._strategy
        if strategy is _SPLIT or (strategy is _PASSIVE and limit is None):
            taking = sweep(
                side, qty, limit, inputs, penalty_bps_per_ms=self._penalty,
                max_venues=self._max_venues, min_child_qty=self._min_child,
            )  # fmt: skip
            if taking:
                why = _explain(taking)
        elif strategy is _BEST:
            by_venue = {s.venue: s.score for s in scores}
            best: tuple[Any, ...] | None = None
            for vi in inputs:
                p = sweep(side, qty, limit, [vi], penalty_bps_per_ms=self._penalty)
                if not p:
                    continue
                cp = p[0]
                per_unit = cp.all_in_total(side) / cp.quantity
                rank = (-by_venue[vi.venue], per_unit if side is _BUY else -per_unit, vi.venue)
                if best is None or rank < best[0]:
                    best = (rank, cp)
            if best is not None:
                cp = best[1]
                taking = [cp]
                why = (f"best score on {cp.venue} ({by_venue[cp.venue]}): {cp.venue} "
                       f"{cp.quantity} up to {cp.limit}")  # fmt: skip
        if taking:
            children = tuple(ChildSpec(p.venue, p.quantity, p.limit, _LIMIT, _IOC) for p in taking)
            return Plan(children, scores, why, stp_capped=capped)
        if allow_post and self.can_post(order):
            return self._post(order, g, "no marketable liquidity within limit")
        return Plan((), scores, "no eligible venue has liquidity within the limit", False, capped)

    def can_post(self, order: Order) -> bool:
        if order.order_type not in _LIMITS:
            return False
        if order.time_in_force not in (_GTC, _DAY):
            return False
        return order.post_only or self.config.strategy is _PASSIVE or (self.config.post_leftover)

    def _post(self, order: Order, g: _Gathered, why: str) -> Plan:
        """One resting child on the eligible venue with the lowest maker fee, then score."""
        scores, capped, near, makers = g.scores, g.capped, g.near, g.makers
        if order.price is None or not self.can_post(order):
            return Plan((), scores, f"{why}: a posted order needs a GTC/DAY limit", False, capped)
        crossed = False
        own_blocked: list[Venue] = []
        buy = order.side is _BUY
        ranked: list[tuple[Decimal, Decimal, Venue]] = []
        for s in scores:
            if s.excluded:
                continue
            own = g.own.get(s.venue)
            if own is not None and (order.price >= own if buy else order.price <= own):
                own_blocked.append(s.venue)  # resting there would trade with our own order
                continue
            if order.post_only and _crosses(order.side, order.price, near.get(s.venue, ())):
                crossed = True  # the venue would refuse it: post-only would cross
                continue
            ranked.append((makers.get(s.venue, ZERO), -s.score, s.venue))
        if not ranked:
            if own_blocked and not crossed:
                reason = (f"{why}: posting would trade with our own resting order on "
                          f"{', '.join(own_blocked)}")  # fmt: skip
                return Plan((), scores, reason, False, capped + tuple(own_blocked),
                            self_trade_blocked=True)  # fmt: skip
            reason = (
                f"{why}: would cross on every eligible venue" if crossed
                else f"{why}: no eligible venue to post on"
            )  # fmt: skip
            return Plan((), scores, reason, False, capped, post_only_crossed=crossed)
        maker, _, venue = min(ranked)
        child = ChildSpec(venue, order.leaves_qty, order.price, _LIMIT,
                          order.time_in_force, post_only=order.post_only)  # fmt: skip
        reason = f"{why}: posted on {venue}, lowest maker fee {maker}"
        return Plan((child,), scores, reason, False, capped)


def _key(asked: tuple[Any, ...], g: _Gathered) -> tuple[Any, ...]:
    """A plan's memo key within one state of the books: the order's fields and the venues'
    scoring inputs."""
    scores = tuple((s.venue, s.excluded, s.latency_us, s.fill_rate, s.health) for s in g.scores)
    return (*asked, scores)


def _explain(plans: list[ChildPlan]) -> str:
    parts = ", ".join(f"{p.venue} {p.quantity} up to {p.limit}" for p in plans)
    if len(plans) == 1:
        return f"best all-in price on {plans[0].venue}: {parts}"
    return f"split by all-in price across {len(plans)} venues: {parts}"
