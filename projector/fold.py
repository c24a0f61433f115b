"""The net effect of many projection writes on the keys they touch, written once per key.

A rebuild folds a chunk of events in memory: each projection's Redis commands (HSET, HINCRBY, HDEL,
HSETNX, ZADD, ZREM, SET, PUBLISH) are merged per key into what the key ends up holding, then every key
is written with one or a few commands in one pipeline. A field set and then incremented is written
once with its sum; increments of a field the chunk never set stay increments (HINCRBY), so folding
chunk after chunk into the same prefix gives exactly what applying every command in order gives.
PUBLISH is a notification, not state: a rebuild has no one to notify. A command or a sequence this
module does not merge (HSETNX over an increment, an unknown command) makes its key keep its commands
in order, so the result is still exactly the commands' result."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from projector.projections.base import Op

# What a hash field ends up as within a chunk: a value (HSET), deleted (HDEL), "+n" on whatever the
# key held before the chunk (HINCRBY), or set unless it existed before the chunk (HSETNX).
_DELETED = None
_ZADD_OPTIONS = frozenset({"NX", "XX", "GT", "LT", "CH", "INCR"})


class _Hash:
    __slots__ = ("sets", "increments", "if_absent")

    def __init__(self) -> None:
        self.sets: dict[str, str | None] = {}
        self.increments: dict[str, int] = {}
        self.if_absent: dict[str, str] = {}


class _Ordered:
    """A key whose commands are kept as they came (merged state first, as commands)."""

    __slots__ = ("ops",)

    def __init__(self, ops: list[Op]) -> None:
        self.ops = ops


class _Unmergeable(Exception):
    pass


def _canonical_int(value: str) -> int:
    number = int(value)
    if str(number) != value:
        raise _Unmergeable  # Redis would refuse HINCRBY on it: let Redis say so
    return number


class Fold:
    """Merged writes per key; `commands()` gives the commands that write them."""

    def __init__(self) -> None:
        self._hashes: dict[str, _Hash] = {}
        self._zsets: dict[str, dict[str, str | None]] = {}
        self._strings: dict[str, str] = {}
        self._ordered: dict[str, _Ordered] = {}
        self.ops = 0

    def __len__(self) -> int:
        return len(self._hashes) + len(self._zsets) + len(self._strings) + len(self._ordered)

    def add_all(self, ops: Iterable[Op]) -> None:
        for op in ops:
            self.add(op)

    def add(self, op: Op) -> None:
        self.ops += 1
        name = op[0]
        if name == "PUBLISH":
            return
        key = op[1]
        ordered = self._ordered.get(key)
        if ordered is not None:
            ordered.ops.append(op)
            return
        try:
            if name == "HSET" or name == "HINCRBY" or name == "HDEL" or name == "HSETNX":
                if key in self._zsets or key in self._strings:
                    raise _Unmergeable
                self._hash_op(key, name, op)
            elif name == "ZADD" or name == "ZREM":
                if key in self._hashes or key in self._strings:
                    raise _Unmergeable
                self._zset_op(key, name, op)
            elif name == "SET" and len(op) == 3:
                if key in self._hashes or key in self._zsets:
                    raise _Unmergeable
                self._strings[key] = op[2]
            else:
                raise _Unmergeable
        except _Unmergeable:
            self._keep_in_order(key, op)

    def _hash_op(self, key: str, name: str, op: Op) -> None:
        h = self._hashes.get(key)
        if h is None:
            h = self._hashes[key] = _Hash()
        sets, increments, if_absent = h.sets, h.increments, h.if_absent
        if name == "HSET":
            for i in range(2, len(op), 2):
                field = op[i]
                sets[field] = op[i + 1]
                if increments:
                    increments.pop(field, None)
                if if_absent:
                    if_absent.pop(field, None)
        elif name == "HINCRBY":
            field, delta = op[2], int(op[3])
            if field in sets:
                current = sets[field]
                sets[field] = str(delta if current is None else _canonical_int(current) + delta)
            elif field in if_absent:
                raise _Unmergeable
            else:
                increments[field] = increments.get(field, 0) + delta
        elif name == "HDEL":
            for field in op[2:]:
                sets[field] = _DELETED
                increments.pop(field, None)
                if_absent.pop(field, None)
        else:  # HSETNX
            field = op[2]
            if field in sets:
                if sets[field] is None:
                    sets[field] = op[3]
            elif field not in increments and field not in if_absent:
                if_absent[field] = op[3]

    def _zset_op(self, key: str, name: str, op: Op) -> None:
        members = self._zsets.get(key)
        if members is None:
            members = self._zsets[key] = {}
        if name == "ZADD":
            if len(op) % 2 or op[2].upper() in _ZADD_OPTIONS:
                raise _Unmergeable  # options (NX, GT, ...) are not merged
            for i in range(2, len(op), 2):
                members[op[i + 1]] = op[i]
        else:
            for member in op[2:]:
                members[member] = None

    def _keep_in_order(self, key: str, op: Op) -> None:
        kept: list[Op] = []
        h = self._hashes.pop(key, None)
        if h is not None:
            kept += _hash_commands(key, h)
        members = self._zsets.pop(key, None)
        if members is not None:
            kept += _zset_commands(key, members)
        if key in self._strings:
            kept.append(("SET", key, self._strings.pop(key)))
        kept.append(op)
        self._ordered[key] = _Ordered(kept)

    def commands(self, mset_batch: int = 500) -> list[Sequence[Any]]:
        """The commands that write every merged key (independent of each other's order)."""
        out: list[Sequence[Any]] = []
        for key, h in self._hashes.items():
            out += _hash_commands(key, h)
        for key, members in self._zsets.items():
            out += _zset_commands(key, members)
        if self._strings:
            flat: list[str] = []
            for key, value in self._strings.items():
                flat += (key, value)
                if len(flat) >= 2 * mset_batch:
                    out.append(("MSET", *flat))
                    flat = []
            if flat:
                out.append(("MSET", *flat))
        for ordered in self._ordered.values():
            out += ordered.ops
        return out


def _hash_commands(key: str, h: _Hash) -> list[Op]:
    out: list[Op] = []
    values: list[str] = []
    deleted: list[str] = []
    for field, value in h.sets.items():
        if value is None:
            deleted.append(field)
        else:
            values += (field, value)
    if values:
        out.append(("HSET", key, *values))
    if deleted:
        out.append(("HDEL", key, *deleted))
    for field, delta in h.increments.items():
        out.append(("HINCRBY", key, field, str(delta)))
    for field, value in h.if_absent.items():
        out.append(("HSETNX", key, field, value))
    return out


def _zset_commands(key: str, members: dict[str, str | None]) -> list[Op]:
    added: list[str] = []
    removed: list[str] = []
    for member, score in members.items():
        if score is None:
            removed.append(member)
        else:
            added += (score, member)
    out: list[Op] = []
    if added:
        out.append(("ZADD", key, *added))
    if removed:
        out.append(("ZREM", key, *removed))
    return out
