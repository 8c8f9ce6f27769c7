"""FIX 4.4 tag numbers and code tables used by the gateway and the adapter (one place).

Messages are handled as plain ``dict[int, str]`` (tag -> value) on our side of QuickFIX, so the
mapping is pure and testable without the C++ engine; :mod:`tradecore.fix.qf` converts
to and from QuickFIX messages.
"""

from __future__ import annotations

from tradecore.model.enums import OrderStatus, OrderType, ReasonCode, Side, TimeInForce

Fields = dict[int, str]

# header
MSG_TYPE, SENDER, TARGET, POSS_DUP, POSS_RESEND = 35, 49, 56, 43, 97
# body
ACCOUNT, AVG_PX, CL_ORD_ID, COMMISSION, COMM_TYPE, CUM_QTY = 1, 6, 11, 12, 13, 14
EXEC_ID, EXEC_INST, LAST_PX, LAST_QTY, ORDER_ID, ORDER_QTY = 17, 18, 31, 32, 37, 38
ORD_STATUS, ORD_TYPE, ORIG_CL_ORD_ID, PRICE, SIDE, SYMBOL, TEXT = 39, 40, 41, 44, 54, 55, 58
TIME_IN_FORCE, TRANSACT_TIME, STOP_PX, EX_DESTINATION = 59, 60, 99, 100
CXL_REJ_REASON, ORD_REJ_REASON, MAX_FLOOR, EXPIRE_TIME = 102, 103, 111, 126
EXEC_TYPE, LEAVES_QTY, CXL_REJ_RESPONSE_TO = 150, 151, 434
MASS_CANCEL_REQUEST_TYPE, MASS_CANCEL_RESPONSE, TOTAL_AFFECTED = 530, 531, 533
LAST_LIQUIDITY_IND, PASSWORD = 851, 554
# market data (the adapter's venue book)
MD_REQ_ID, NO_MD_ENTRIES, MD_ENTRY_TYPE, MD_ENTRY_PX, MD_ENTRY_SIZE = 262, 268, 269, 270, 271

# message types
NEW_ORDER_SINGLE, ORDER_CANCEL, ORDER_REPLACE, ORDER_STATUS, MASS_CANCEL = "D", "F", "G", "H", "q"
EXECUTION_REPORT, CANCEL_REJECT, MASS_CANCEL_REPORT, MD_SNAPSHOT = "8", "9", "r", "W"
BUSINESS_REJECT = "j"

SIDES: dict[str, Side] = {"1": Side.BUY, "2": Side.SELL}
SIDE_CODES = {v: k for k, v in SIDES.items()}
ORD_TYPES: dict[str, OrderType] = {
    "1": OrderType.MARKET,
    "2": OrderType.LIMIT,
    "3": OrderType.STOP_MARKET,
    "4": OrderType.STOP_LIMIT,
}
ORD_TYPE_CODES = {v: k for k, v in ORD_TYPES.items()}
TIFS: dict[str, TimeInForce] = {
    "0": TimeInForce.DAY,
    "1": TimeInForce.GTC,
    "3": TimeInForce.IOC,
    "4": TimeInForce.FOK,
    "6": TimeInForce.GTD,
}
TIF_CODES = {v: k for k, v in TIFS.items()}
POST_ONLY_INST = "6"  # ExecInst 6: participate, don't initiate

# OrdStatus (39) of an order's status; ExecType (150) as FIX 4.4 names them
STATUS_CODE: dict[OrderStatus, str] = {
    OrderStatus.INITIALIZED: "A",  # pending new
    OrderStatus.SUBMITTED: "A",
    OrderStatus.ACCEPTED: "0",
    OrderStatus.PARTIALLY_FILLED: "1",
    OrderStatus.FILLED: "2",
    OrderStatus.CANCELED: "4",
    OrderStatus.PENDING_CANCEL: "6",
    OrderStatus.DENIED: "8",
    OrderStatus.REJECTED: "8",
    OrderStatus.EXPIRED: "C",
    OrderStatus.PENDING_REPLACE: "E",
    OrderStatus.REPLACED: "5",  # never the answer itself: the replacement's status is sent
}
ORD_STATUS_OF = {"0": OrderStatus.ACCEPTED, "1": OrderStatus.PARTIALLY_FILLED,
                 "2": OrderStatus.FILLED, "4": OrderStatus.CANCELED, "8": OrderStatus.REJECTED,
                 "C": OrderStatus.EXPIRED, "6": OrderStatus.PENDING_CANCEL,
                 "E": OrderStatus.PENDING_REPLACE, "A": OrderStatus.SUBMITTED}  # fmt: skip
EXEC_NEW, EXEC_CANCELED, EXEC_REPLACED, EXEC_PENDING_CANCEL = "0", "4", "5", "6"
EXEC_REJECTED, EXEC_EXPIRED, EXEC_PENDING_REPLACE, EXEC_TRADE = "8", "C", "E", "F"
EXEC_STATUS = "I"

# OrdRejReason (103) of a denial's reason code; anything else is 99 (other). The reason code
# itself is always the first word of Text (58), so a client can tell every case apart.
R = ReasonCode
REJ_REASON_OF: dict[ReasonCode, str] = {
    R.UNKNOWN_INSTRUMENT: "1", R.UNKNOWN_VENUE: "1", R.MARKET_CLOSED: "2",
    R.TRADING_HALTED: "2", R.MAX_ORDER_QUANTITY: "3", R.MAX_ORDER_NOTIONAL: "3",
    R.MAX_POSITION: "3", R.GROSS_EXPOSURE: "3", R.NET_EXPOSURE: "3", R.CONCENTRATION: "3",
    R.LEVERAGE: "3", R.VAR_LIMIT: "3", R.CORRELATED_EXPOSURE: "3",
    R.INVALID_EXPIRY: "4", R.DUPLICATE_CLIENT_ORDER_ID: "6", R.DUPLICATE_ORDER: "6",
    R.INVALID_COMBINATION: "11", R.OFF_TICK_PRICE: "11", R.OFF_LOT_QUANTITY: "13",
    R.BELOW_MIN_QUANTITY: "13", R.ABOVE_MAX_QUANTITY: "13",
}  # fmt: skip
OTHER = "99"
# CxlRejReason (102)
CXL_UNKNOWN, CXL_TOO_LATE, CXL_PENDING, CXL_DUPLICATE = "1", "0", "3", "6"
CXL_REASON_OF: dict[ReasonCode, str] = {
    R.INVALID_ORDER: CXL_UNKNOWN, R.ORDER_NOT_OPEN: CXL_TOO_LATE,
    R.DUPLICATE_CLIENT_ORDER_ID: CXL_DUPLICATE,
}  # fmt: skip
# reason codes of refusals that never reach the engine (the gateway's own, like REST's 4xx)
VALIDATION_ERROR = "validation_error"
ACCOUNT_FORBIDDEN = "account_forbidden"
SCOPE_FORBIDDEN = "scope_forbidden"
NOT_FOUND = "not_found"
DUPLICATE_ID = "duplicate_id"
UNSUPPORTED = "unsupported"
