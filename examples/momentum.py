"""A simple momentum strategy: long when the fast moving average of the consolidated mid is
above the slow one, short when below, flat until both are full.

    tradecore backtest examples/momentum.py --synthetic --seconds 120
"""

from collections import deque
from decimal import Decimal

from tradecore.strategy import Strategy


class Momentum(Strategy):
    account = "MOMO"
    instrument = "ETH/USD@SMART"
    size = Decimal("2")
    fast = 5
    slow = 20

    def on_start(self) -> None:
        self.symbol = self.instrument.split("@")[0]
        self.subscribe(self.instrument)
        self.mids: deque[Decimal] = deque(maxlen=self.slow)
        self.every(1, self.decide)

    def decide(self) -> None:
        q = self.quote(self.instrument)
        if q is None:
            return
        self.mids.append((q.bid + q.ask) / 2)
        if len(self.mids) < self.slow:
            return
        fast = sum(list(self.mids)[-self.fast :]) / self.fast
        slow = sum(self.mids) / self.slow
        target = self.size if fast > slow else -self.size
        delta = target - self.position(self.symbol).quantity
        if delta > 0:
            self.buy(self.instrument, delta)
        elif delta < 0:
            self.sell(self.instrument, -delta)
