"""A two-sided market maker with inventory limits.

Quotes a post-only bid and ask around the venue's mid every second, skewed against its
inventory, and never lets its position leave [-max_inventory, +max_inventory]: the side that
would take it further is not quoted, and a quote's size never exceeds the room left.

    tradecore backtest examples/market_maker.py --synthetic --seconds 120
"""

from decimal import Decimal

from tradecore.strategy import Fill, OrderHandle, Strategy


class MarketMaker(Strategy):
    account = "MM"
    instrument = "BTC/USD@SIMA"
    size = Decimal("0.05")
    half_spread_bps = Decimal("1.5")
    max_inventory = Decimal("0.2")

    def on_start(self) -> None:
        self.symbol = self.instrument.split("@")[0]
        self.subscribe(self.instrument)
        self.quotes: dict[str, OrderHandle | None] = {"BUY": None, "SELL": None}
        self.every(1, self.requote)

    def requote(self) -> None:
        q = self.quote(self.instrument)
        if q is None:
            return
        mid = (q.bid + q.ask) / 2
        inventory = self.position(self.symbol).quantity
        half = mid * self.half_spread_bps / 10_000
        skew = -inventory / self.max_inventory * half  # lean against the inventory
        self.work("BUY", self.round_price(self.instrument, mid - half + skew),
                  self.max_inventory - inventory)  # fmt: skip
        self.work("SELL", self.round_price(self.instrument, mid + half + skew, up=True),
                  self.max_inventory + inventory)  # fmt: skip

    def work(self, side: str, price: Decimal, room: Decimal) -> None:
        live = self.quotes[side]
        if live is not None and live.is_open:
            if room < self.size:
                live.cancel()
            elif live.price != price:
                live.replace(price=price)
            return
        if room >= self.size:
            self.quotes[side] = self.limit(self.instrument, side, self.size, price, post_only=True)

    def on_fill(self, fill: Fill, order: OrderHandle) -> None:
        self.log(f"{fill!r}; position {self.position(self.symbol).quantity}")

    def on_stop(self) -> None:
        self.cancel_all()
