"""OpenAPI descriptions of the Stripe-shaped routes. The handlers read raw form bodies (Stripe's
bracketed keys do not fit FastAPI's body models), so each route declares its form fields, query
parameters and responses here for /openapi.json and for schemathesis."""

from __future__ import annotations

from typing import Any

JSON = "application/json"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["type", "message"],
            "properties": {
                "type": {"type": "string", "enum": ["api_error", "card_error", "idempotency_error",
                                                    "invalid_request_error"]},
                "code": {"type": "string"},
                "decline_code": {"type": "string"},
                "message": {"type": "string"},
                "param": {"type": "string"},
                "doc_url": {"type": "string"},
                "charge": {"type": "string"},
            },
        }
    },
}

_ERROR_STATUSES = {
    400: "Invalid request", 401: "Missing or bad API key", 402: "Card declined", 403: "Forbidden",
    404: "No such object (also another account's)", 409: "Idempotency key in flight or conflict",
    413: "Body too large", 429: "Rate limited (see Retry-After)", 503: "A dependency is unavailable",
    504: "A dependency timed out",
}


def error_responses() -> dict[int | str, dict[str, Any]]:
    return {status: {"description": text, "content": {JSON: {"schema": ERROR_SCHEMA}}}
            for status, text in _ERROR_STATUSES.items()}


def stripe_object(name: str, required: tuple[str, ...] = ("id",)) -> dict[str, Any]:
    """A Stripe object: `object` is fixed; the listed fields are promised; anything else may follow."""
    return {
        "type": "object",
        "required": ["object", *required],
        "properties": {"object": {"type": "string", "enum": [name]}, "id": {"type": "string"},
                       "livemode": {"type": "boolean"}, "created": {"type": "integer"}},
    }


def list_of(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["object", "data", "has_more", "url"],
        "properties": {"object": {"type": "string", "enum": ["list"]}, "data": {"type": "array", "items": item},
                       "has_more": {"type": "boolean"}, "url": {"type": "string"}},
    }


def responds(schema: dict[str, Any], description: str = "OK") -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description, "content": {JSON: {"schema": schema}}}, **error_responses()}


STRING: dict[str, Any] = {"type": "string"}
INTEGER: dict[str, Any] = {"type": "integer"}
BOOLEAN: dict[str, Any] = {"type": "string", "enum": ["true", "false"]}
METADATA: dict[str, Any] = {"type": "object", "additionalProperties": {"type": "string"}}
EXPAND: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
STRING_ARRAY: dict[str, Any] = EXPAND
# Stripe's choice of payment methods on intents: `automatic_payment_methods[enabled]`, `[allow_redirects]`.
AUTOMATIC_PAYMENT_METHODS: dict[str, Any] = {
    "type": "object", "properties": {"enabled": BOOLEAN, "allow_redirects": {"type": "string", "enum": ["always", "never"]}},
    "additionalProperties": False}


def form(properties: dict[str, dict[str, Any]], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """openapi_extra for a form-encoded body; hashes travel as Stripe's bracketed keys (deepObject)."""
    # Every Stripe request takes expand[] (gateway/expansion.py).
    properties = {**properties, "expand": EXPAND}
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    encoding = {name: {"style": "deepObject", "explode": True}
                for name, prop in properties.items() if prop.get("type") in ("object", "array")}
    media: dict[str, Any] = {"schema": schema}
    if encoding:
        media["encoding"] = encoding
    return {"requestBody": {"required": bool(required),
                            "content": {"application/x-www-form-urlencoded": media}}}


def query(*params: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """openapi_extra for query parameters the handler reads itself."""
    if not any(name == "expand[]" for name, _ in params):
        params = (*params, ("expand[]", STRING))
    return {"parameters": [{"name": name, "in": "query", "required": False, "schema": schema}
                           for name, schema in params]}


LIST_PARAMS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
    ("starting_after", STRING),
    ("ending_before", STRING),
    ("created[gte]", INTEGER),
    ("created[lte]", INTEGER),
)


def list_query(*extra: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return query(*LIST_PARAMS, *extra)


def search_result_of(item: dict[str, Any]) -> dict[str, Any]:
    """Stripe's search page: `next_page` is the token for the following page (null on the last)."""
    return {
        "type": "object",
        "required": ["object", "data", "has_more", "url", "next_page"],
        "properties": {"object": {"type": "string", "enum": ["search_result"]},
                       "data": {"type": "array", "items": item}, "has_more": {"type": "boolean"},
                       "url": {"type": "string"}, "next_page": {"type": ["string", "null"]}},
    }
