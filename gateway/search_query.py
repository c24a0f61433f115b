"""Stripe's Search Query Language, parsed by recursive descent and evaluated on Stripe objects.

    query   := clause (("AND" | "OR") clause)*        at most 10 clauses, AND and OR not mixed
    clause  := ["-"] field op value                    "-" negates
    field   := name ("." name)* | "metadata" "[" string "]"
    op      := ":" | "~" | ">" | "<" | ">=" | "<="    ":" equals, "~" contains (3+ characters)
    value   := string ('...' or "...", backslash escapes) | integer | "null"

Examples: `status:'succeeded' AND currency:'usd'`, `amount>1000`, `metadata['order_id']:'6735'`,
`-customer:null`, `created>1700000000`. A malformed query is a QueryError naming the position (0-based
character offset) where it went wrong. Which fields a resource can be searched by, and their kinds, is
the resource's declaration (`Field`); values are read from the Stripe JSON object, so one engine serves
every searchable resource."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

MAX_CLAUSES = 10


class QueryError(ValueError):
    def __init__(self, position: int, message: str) -> None:
        super().__init__(f"Invalid query at position {position}: {message}")
        self.position = position


class Kind(Enum):
    STRING = "string"
    NUMBER = "number"  # integers: amounts in minor units, unix timestamps
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class Field:
    """A searchable field: its kind and where its value is in the Stripe object (dotted path)."""

    kind: Kind
    path: str


@dataclass(frozen=True)
class Clause:
    field: str
    metadata_key: str | None
    op: str
    value: str | int | None
    negated: bool
    position: int


@dataclass(frozen=True)
class Query:
    clauses: tuple[Clause, ...]
    conjunction: str  # "AND" or "OR" (one clause: "AND")

    def matches(self, obj: Mapping[str, Any], fields: Mapping[str, Field]) -> bool:
        results = (_clause_matches(c, obj, fields) for c in self.clauses)
        return all(results) if self.conjunction == "AND" else any(results)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INTEGER = re.compile(r"-?[0-9]+")
_OPS = (">=", "<=", ":", "~", ">", "<")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def _skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _peek(self, literal: str) -> bool:
        return self.text.startswith(literal, self.pos)

    def _expect(self, literal: str, what: str) -> None:
        if not self._peek(literal):
            raise QueryError(self.pos, f"expected {what}")
        self.pos += len(literal)

    def parse(self) -> Query:
        self._skip()
        if self.pos == len(self.text):
            raise QueryError(self.pos, "the query is empty")
        clauses = [self._clause()]
        conjunction: str | None = None
        while True:
            self._skip()
            if self.pos == len(self.text):
                break
            at = self.pos
            word = _NAME.match(self.text, self.pos)
            if word is None or word.group() not in ("AND", "OR"):
                raise QueryError(at, "expected AND or OR between clauses")
            if conjunction is not None and word.group() != conjunction:
                raise QueryError(at, "AND and OR cannot be combined in one query")
            conjunction = word.group()
            self.pos = word.end()
            if self.pos < len(self.text) and not self.text[self.pos].isspace():
                raise QueryError(self.pos, f"expected a space after {conjunction}")
            self._skip()
            clauses.append(self._clause())
            if len(clauses) > MAX_CLAUSES:
                raise QueryError(at, f"a query has at most {MAX_CLAUSES} clauses")
        return Query(tuple(clauses), conjunction or "AND")

    def _clause(self) -> Clause:
        start = self.pos
        negated = self._peek("-")
        if negated:
            self.pos += 1
        field, key = self._field()
        op = next((o for o in _OPS if self._peek(o)), None)
        if op is None:
            raise QueryError(self.pos, "expected one of : ~ > < >= <= after the field")
        self.pos += len(op)
        return Clause(field, key, op, self._value(), negated, start)

    def _field(self) -> tuple[str, str | None]:
        parts = []
        while True:
            name = _NAME.match(self.text, self.pos)
            if name is None:
                raise QueryError(self.pos, "expected a field name")
            parts.append(name.group())
            self.pos = name.end()
            if not self._peek("."):
                break
            self.pos += 1
        field = ".".join(parts)
        if field == "metadata":
            self._expect("[", "[ after metadata, as in metadata['key']")
            key = self._string()
            self._expect("]", "] to close metadata[")
            return field, key
        return field, None

    def _string(self) -> str:
        if self.pos >= len(self.text) or self.text[self.pos] not in "'\"":
            raise QueryError(self.pos, "expected a quoted string")
        quote, start = self.text[self.pos], self.pos
        self.pos += 1
        out = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\" and self.pos + 1 < len(self.text):
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if char == quote:
                self.pos += 1
                return "".join(out)
            out.append(char)
            self.pos += 1
        raise QueryError(start, "unterminated string")

    def _value(self) -> str | int | None:
        if self.pos < len(self.text) and self.text[self.pos] in "'\"":
            return self._string()
        number = _INTEGER.match(self.text, self.pos)
        if number is not None:
            self.pos = number.end()
            return int(number.group())
        if self._peek("null") and not _NAME.match(self.text, self.pos + 4):
            self.pos += 4
            return None
        raise QueryError(self.pos, "expected a value: a quoted string, an integer or null")


def parse(text: str, fields: Mapping[str, Field]) -> Query:
    """Parse and check `text` against the resource's searchable fields."""
    query = _Parser(text).parse()
    for c in query.clauses:
        spec = fields.get(c.field)
        if spec is None:
            raise QueryError(c.position, f"{c.field} is not a searchable field "
                                         f"(searchable: {', '.join(sorted(fields))})")
        if c.op in (">", "<", ">=", "<=") and (spec.kind is not Kind.NUMBER or not isinstance(c.value, int)):
            raise QueryError(c.position, f"{c.op} compares numbers, and {c.field} with {c.value!r} is not one")
        if c.op == "~" and (not isinstance(c.value, str) or len(c.value) < 3 or spec.kind is not Kind.STRING):
            raise QueryError(c.position, "~ needs a string field and a quoted value of at least 3 characters")
        if spec.kind is Kind.NUMBER and isinstance(c.value, str) and not _INTEGER.fullmatch(c.value):
            raise QueryError(c.position, f"{c.field} is a number, and {c.value!r} is not one")
        if spec.kind is Kind.STRING and isinstance(c.value, int):
            raise QueryError(c.position, f"{c.field} is a string: quote the value")
        if spec.kind is Kind.BOOLEAN and c.value not in ("true", "false", None):
            raise QueryError(c.position, f"{c.field} is true or false")
    return query


def _value_of(obj: Mapping[str, Any], clause: Clause, spec: Field) -> Any:
    node: Any = obj
    for part in spec.path.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    if clause.metadata_key is not None:
        node = node.get(clause.metadata_key) if isinstance(node, Mapping) else None
    if isinstance(node, Mapping):  # an expanded object stands for its id
        node = node.get("id")
    return node


def _clause_matches(c: Clause, obj: Mapping[str, Any], fields: Mapping[str, Field]) -> bool:
    spec = fields[c.field]
    actual = _value_of(obj, c, spec)
    if c.value is None:
        hit = actual is None or actual == ""
    elif actual is None:
        hit = False
    elif spec.kind is Kind.BOOLEAN:
        hit = (str(actual).lower() if isinstance(actual, bool) else str(actual)) == c.value
    elif c.op == "~":
        hit = str(c.value).lower() in str(actual).lower()
    elif spec.kind is Kind.NUMBER:
        try:
            number, wanted = int(actual), int(c.value)
        except (TypeError, ValueError):
            return c.negated
        hit = {":": number == wanted, ">": number > wanted, "<": number < wanted,
               ">=": number >= wanted, "<=": number <= wanted}[c.op]
    else:
        hit = str(actual) == str(c.value)
    return hit != c.negated
