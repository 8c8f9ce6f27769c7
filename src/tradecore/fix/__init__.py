"""FIX 4.4 over QuickFIX, shared by the gateway (:mod:`tradecore.service.fix`, tradecore as
acceptor) and the venue adapter (:mod:`tradecore.venues.fix`, tradecore as initiator).

QuickFIX (the ``quickfix`` package, an optional extra: ``pip install 'tradecore[fix]'``)
owns the session layer: logon, heartbeats, sequence numbers, resend requests, gap fills and
the message store. Only :mod:`tradecore.fix.edge` imports it.
"""
