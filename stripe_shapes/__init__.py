"""Stripe's shapes: protobuf resources as Stripe JSON objects, and log events as Stripe events (names,
ids, JSON). The gateway answers REST with them and the projector's webhooks deliver them; imports no
service and no eventlog."""
