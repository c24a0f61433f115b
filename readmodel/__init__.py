"""The Redis read models as both sides know them: the key schema, how values are written into hashes,
and how each hash reads back as its protobuf message. The projector writes through this package, the
query service reads through it, and the command service answers a write with the same mappers, so
a resource looks the same whichever side shows it. Imports nothing of the services, nor eventlog."""
