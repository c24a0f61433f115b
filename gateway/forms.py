"""Stripe's form encoding: `metadata[order_id]=1`, `expand[]=customer`, `items[0][price]=p`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_PART = re.compile(r"\[([^\]]*)\]")


class FormError(ValueError):
    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


def parse_nested(items: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Turn bracketed keys into nested dicts and lists."""
    result: dict[str, Any] = {}
    for raw_key, value in items:
        head, _, rest = raw_key.partition("[")
        parts = [head] + (_PART.findall("[" + rest) if rest else [])
        node: Any = result
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt = None if last else parts[i + 1]
            container_for_next: Any = [] if nxt == "" else {}
            if isinstance(node, list):
                if part == "":
                    if last:
                        node.append(value)
                        break
                    node.append(container_for_next)
                    node = node[-1]
                    continue
                raise FormError(raw_key, f"Invalid array parameter: {raw_key}")
            if last:
                node[part] = value
            else:
                existing = node.get(part)
                if existing is None:
                    node[part] = container_for_next
                elif isinstance(existing, str):
                    raise FormError(raw_key, f"Invalid parameter: {raw_key} mixes a value and a hash")
                node = node[part]
    return result
