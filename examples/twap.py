"""An execution algorithm: slice a parent order over time through the smart order router.

TWAP by default (equal slices); give ``profile`` (one weight per slice, e.g. a historical
intraday volume profile) for a VWAP schedule. Each slice is a MARKET order on ``SYMBOL@SMART``:
the router splits it across venues. What a slice did not fill is carried into the next.

    tradecore backtest examples/twap.py --synthetic --seconds 70
"""

from decimal import Decimal

from tradecore.strategy import OrderHandle, Strategy


class Twap(Strategy):
    account = "ALGO"
    instrument = "BTC/USD@SMART"
    side = "BUY"
    quantity = Decimal("2")
    slices = 12
    interval_s = 5
    profile: tuple[Decimal, ...] = ()  # empty: TWAP (equal weights)

    def on_start(self) -> None:
        weights = self.profile or tuple(Decimal(1) for _ in range(self.slices))
        total = sum(weights)
        lot = self.instrument_rules(self.instrument).lot_size
        # each slice's target on the lot grid; the last slice takes what rounding left
        self.targets = [(self.quantity * w / total // lot) * lot for w in weights[:-1]]
        self.targets.append(self.quantity - sum(self.targets))
        self.sent = 0
        self.children: list[OrderHandle] = []
        self.every(self.interval_s, self.slice)

    @property
    def done(self) -> Decimal:
        return sum((h.filled for h in self.children), Decimal(0))

    def slice(self) -> None:
        if self.sent >= len(self.targets):
            return
        due = sum(self.targets[: self.sent + 1]) - self.done  # catch up on unfilled slices
        self.sent += 1
        if due > 0:
            self.children.append(self.order(self.instrument, self.side, due))
