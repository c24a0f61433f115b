"""Where events change form: `eventcodec.codec` is the one codec between domain dataclasses, the stored
JSON of the event log and the protobuf payload messages of the bus."""
