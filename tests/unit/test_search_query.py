"""Stripe's search query language: what parses, what matches, and where a malformed query went wrong."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.routes.search import CHARGE_FIELDS
from gateway.search_query import QueryError, parse

CHARGE = {"id": "ch_1", "amount": 2500, "currency": "usd", "status": "succeeded", "customer": None,
          "created": 1_700_000_100, "refunded": False, "disputed": False, "payment_intent": None,
          "metadata": {"order_id": "6735", "note": "it's here"},
          "payment_method_details": {"type": "card", "card": {"brand": "visa", "last4": "4242"}}}


@pytest.mark.parametrize(("query", "matches"), [
    ("amount>1000", True),
    ("amount>2500", False),
    ("amount>=2500 AND amount<=2500", True),
    ("amount:2500", True),
    ("status:'succeeded' AND currency:'usd'", True),
    ('status:"failed" OR currency:"usd"', True),
    ("status:'failed' OR currency:'eur'", False),
    ("metadata['order_id']:'6735'", True),
    ("metadata[\"order_id\"]:'6736'", False),
    ("metadata['note']:'it\\'s here'", True),
    ("-metadata['order_id']:'6735'", False),
    ("-status:'failed'", True),
    ("customer:null", True),
    ("-customer:null", False),
    ("metadata['missing']:null", True),
    ("created>1700000000 AND created<1700000200", True),
    ("refunded:'false'", True),
    ("payment_method_details.card.last4:'4242'", True),
    ("payment_method_details.card.brand~'vis'", True),
])
def test_a_query_matches_as_stripe_documents(query: str, matches: bool) -> None:
    assert parse(query, CHARGE_FIELDS).matches(CHARGE, CHARGE_FIELDS) is matches


@pytest.mark.parametrize(("query", "position", "says"), [
    ("", 0, "empty"),
    ("amount>", 7, "expected a value"),
    ("amount 1000", 6, "expected one of"),
    ("status:'succeeded' AND", 22, "expected a field name"),
    ("status:'succeeded' currency:'usd'", 19, "AND or OR"),
    ("status:'a' AND currency:'usd' OR amount>1", 30, "cannot be combined"),
    ("status:'succeeded", 7, "unterminated"),
    ("colour:'red'", 0, "not a searchable field"),
    ("status>'a'", 0, "compares numbers"),
    ("amount:'many'", 0, "is a number"),
    ("status:succeeded", 7, "expected a value"),
    ("currency:12", 0, "quote the value"),
    ("status~'su'", 0, "at least 3"),
    ("metadata:'x'", 8, "metadata['key']"),
    ("metadata['k'", 12, "]"),
    (" AND ".join(["amount>1"] * 11), 126, "at most 10"),
])
def test_a_malformed_query_names_the_position(query: str, position: int, says: str) -> None:
    with pytest.raises(QueryError) as refused:
        parse(query, CHARGE_FIELDS)
    assert refused.value.position == position and says in str(refused.value)
    assert f"position {position}" in str(refused.value)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_any_text_parses_or_is_a_query_error(text: str) -> None:
    try:
        query = parse(text, CHARGE_FIELDS)
    except QueryError as exc:
        assert 0 <= exc.position <= len(text)
        return
    assert isinstance(query.matches(CHARGE, CHARGE_FIELDS), bool)
