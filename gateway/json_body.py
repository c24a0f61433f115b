"""Stripe-shaped JSON bodies rendered by orjson, for the hot read routes.

A route that returns a dict has FastAPI walk it with jsonable_encoder (recursive, with a dataclass and
model check per value: about a tenth of the gateway's CPU on GET /v1/charges/{id}) before json.dumps.
The objects stripe_shapes builds are already plain JSON values, so they are rendered directly, to the
same bytes as Starlette's compact JSONResponse."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response


class StripeJSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
