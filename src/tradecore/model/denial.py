"""A business "no" as data: the reason code, the human message, and for risk checks the
check's name, the limit and the value that broke it."""

from __future__ import annotations

import msgspec

from tradecore.model.enums import ReasonCode


class Denial(msgspec.Struct, frozen=True, gc=False):
    reason: ReasonCode
    message: str
    check: str = ""
    limit: str = ""
    value: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "reason": self.reason.value,
            "message": self.message,
            "check": self.check,
            "limit": self.limit,
            "value": self.value,
        }
