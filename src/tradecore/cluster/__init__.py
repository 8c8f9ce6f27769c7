"""Several engines on NATS JetStream: the event stream out, commands in, shards, firm risk.

Nothing here is imported on the single-process paths (``demo``, ``serve``, ``bench``): the
modules that talk to NATS import ``nats`` themselves, only when a cluster command runs.
docs/scaling.md has the design, the subjects and the message schema.
"""
