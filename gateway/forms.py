"""Stripe's form encoding: `metadata[order_id]=1`, `expand[]=customer`, `items[0][price]=p`.

The parser is incremental: `FormParser.feed` takes the body chunk by chunk as it arrives, so the size,
key-count and depth limits cut a request off at the limit instead of after buffering it whole (a chunked
body has no Content-Length to refuse up front). Keys and values must be valid UTF-8 after percent-decoding;
a parameter given twice is refused (Stripe's clients never send one twice; "last one wins" would charge an
amount the caller did not see), as is a key nested deeper than Stripe's own parameters go."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

# A key: a name, then any number of `[part]`; brackets inside a part are not allowed.
_KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)\Z")
_PART = re.compile(r"\[([^\[\]]*)\]")


@dataclass(frozen=True)
class FormLimits:
    """What one request may carry. Stripe's deepest parameters nest four levels
    (`items[0][price_data][recurring][interval]`)."""

    max_bytes: int = 256 * 1024
    max_keys: int = 1_000
    max_depth: int = 5


class FormError(ValueError):
    """A body or query string Stripe would refuse: `param` names the parameter, `code` is Stripe's code."""

    def __init__(self, param: str | None, message: str, code: str = "parameter_invalid", status: int = 400) -> None:
        super().__init__(message)
        self.param = param
        self.code = code
        self.status = status


class FormTooLarge(FormError):
    def __init__(self, limit: int) -> None:
        super().__init__(None, f"Request body too large: the limit is {limit} bytes.", "request_too_large", 413)


def _decode(raw: bytes, what: str, param: str | None) -> str:
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormError(param, f"Invalid {what}: not valid UTF-8 (byte {exc.start}).") from exc


class FormParser:
    """Feed it the body in chunks, then `finish()` for the nested parameters."""

    def __init__(self, limits: FormLimits = FormLimits()) -> None:
        self._limits = limits
        self._size = 0
        self._rest = b""
        self._pairs: list[tuple[str, list[str], str]] = []

    def feed(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self._limits.max_bytes:
            raise FormTooLarge(self._limits.max_bytes)
        complete = (self._rest + chunk).split(b"&")
        self._rest = complete.pop()
        for raw in complete:
            self._pair(raw)

    def finish(self) -> dict[str, Any]:
        if self._rest:
            self._pair(self._rest)
            self._rest = b""
        return _nest(self._pairs)

    def _pair(self, raw: bytes) -> None:
        if not raw:
            return
        raw_key, _, raw_value = raw.partition(b"=")
        key = _decode(raw_key, "parameter name", None)
        match = _KEY.match(key)
        if match is None:
            raise FormError(key, f"Invalid parameter name: {key[:100]!r}.")
        parts = [match.group(1), *_PART.findall(match.group(2))]
        if len(parts) - 1 > self._limits.max_depth:
            raise FormError(parts[0], f"Invalid parameter: {parts[0]} is nested more than "
                                      f"{self._limits.max_depth} levels deep.")
        if len(self._pairs) >= self._limits.max_keys:
            raise FormError(None, f"Too many parameters: the limit is {self._limits.max_keys}.")
        self._pairs.append((key, parts, _decode(raw_value, f"value of {key[:100]}", key)))


def parse(body: bytes, limits: FormLimits = FormLimits()) -> dict[str, Any]:
    parser = FormParser(limits)
    parser.feed(body)
    return parser.finish()


def parse_nested(items: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Turn already-decoded bracketed keys into nested dicts and lists."""
    pairs = []
    for key, value in items:
        match = _KEY.match(key)
        if match is None:
            raise FormError(key, f"Invalid parameter name: {key[:100]!r}.")
        pairs.append((key, [match.group(1), *_PART.findall(match.group(2))], value))
    return _nest(pairs)


def _nest(pairs: Iterable[tuple[str, list[str], str]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for raw_key, parts, value in pairs:
        node: Any = result
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(node, list):
                if part != "":
                    raise FormError(raw_key, f"Invalid array parameter: {raw_key}.")
                if last:
                    node.append(value)
                    break
                node.append([] if parts[i + 1] == "" else {})
                node = node[-1]
                continue
            if part == "":
                raise FormError(raw_key, f"Invalid parameter: {raw_key} mixes a hash and an array.")
            existing = node.get(part)
            if last:
                if existing is not None:
                    raise FormError(raw_key, f"Received repeated parameter: {raw_key}. "
                                             "Send each parameter once (arrays as name[]=a&name[]=b).")
                node[part] = value
                break
            if existing is None:
                node[part] = [] if parts[i + 1] == "" else {}
            elif isinstance(existing, str):
                raise FormError(raw_key, f"Invalid parameter: {raw_key} mixes a value and a hash.")
            elif isinstance(existing, list) != (parts[i + 1] == ""):
                raise FormError(raw_key, f"Invalid parameter: {raw_key} mixes a hash and an array.")
            node = node[part]
    return result
