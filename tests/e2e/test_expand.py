"""expand[] as Stripe clients use it: ids replaced by their objects, through nested paths and lists;
a charge carries its refunds as a list object; a path that names no expandable field is a 400."""

from __future__ import annotations

from typing import Any

from tests.conftest import eventually


async def _refunded_charge(system: Any, merchant: Any) -> tuple[str, str]:
    created = await system.http.post("/v1/charges", headers=merchant.headers,
                                     data={"amount": "5000", "currency": "usd", "source": "tok_visa"})
    charge_id = created.json()["id"]
    refund = await system.http.post("/v1/refunds", headers=merchant.headers,
                                    data={"charge": charge_id, "amount": "1200"})
    assert refund.status_code == 200, refund.text
    refund_id = refund.json()["id"]

    async def refund_visible():  # type: ignore[no-untyped-def]
        r = await system.http.get(f"/v1/charges/{charge_id}", headers=merchant.headers)
        return r.status_code == 200 and r.json()["refunds"]["data"] and r.json()["amount_refunded"] == 1200

    await eventually(refund_visible, message="the refund never reached the charge")
    return charge_id, refund_id


async def test_a_charge_expands_its_balance_transaction_and_its_refunds_balance_transactions(system) -> None:
    merchant = await system.merchant()
    charge_id, refund_id = await _refunded_charge(system, merchant)
    r = await system.http.get(f"/v1/charges/{charge_id}?expand[]=balance_transaction"
                              "&expand[]=refunds.data.balance_transaction", headers=merchant.headers)
    assert r.status_code == 200, r.text
    charge = r.json()
    assert charge["balance_transaction"]["object"] == "balance_transaction"
    assert charge["balance_transaction"]["amount"] == 5000 and charge["balance_transaction"]["source"] == charge_id
    refunds = charge["refunds"]
    assert refunds["object"] == "list" and refunds["url"] == f"/v1/charges/{charge_id}/refunds"
    assert [x["id"] for x in refunds["data"]] == [refund_id] and refunds["has_more"] is False
    assert refunds["data"][0]["balance_transaction"]["object"] == "balance_transaction"
    assert refunds["data"][0]["balance_transaction"]["amount"] == -1200
    listed = await system.http.get(f"/v1/charges/{charge_id}/refunds", headers=merchant.headers)
    assert [x["id"] for x in listed.json()["data"]] == [refund_id]


async def test_lists_expand_each_item_and_paths_go_through_expanded_objects(system) -> None:
    merchant = await system.merchant()
    charge_id, refund_id = await _refunded_charge(system, merchant)
    listed = await system.http.get("/v1/charges?expand[]=data.balance_transaction", headers=merchant.headers)
    assert listed.status_code == 200, listed.text
    assert [c["balance_transaction"]["source"] for c in listed.json()["data"]] == [charge_id]

    nested = await system.http.get(f"/v1/refunds/{refund_id}?expand[]=charge.balance_transaction",
                                   headers=merchant.headers)
    assert nested.status_code == 200, nested.text
    refund = nested.json()
    assert refund["charge"]["id"] == charge_id and refund["charge"]["object"] == "charge"
    assert refund["charge"]["balance_transaction"]["object"] == "balance_transaction"

    created = await system.http.post("/v1/charges", headers=merchant.headers, data={
        "amount": "700", "currency": "usd", "source": "tok_visa", "expand[]": "balance_transaction"})
    assert created.json()["balance_transaction"]["amount"] == 700


async def test_a_path_that_is_not_expandable_is_a_400_naming_expand(system) -> None:
    merchant = await system.merchant()
    charge_id, _ = await _refunded_charge(system, merchant)
    for path in ("colour", "currency", "balance_transaction.colour", "a.b.c.d.e"):
        r = await system.http.get(f"/v1/charges/{charge_id}?expand[]={path}", headers=merchant.headers)
        assert r.status_code == 400, (path, r.text)
        error = r.json()["error"]
        assert error["param"] == "expand" and path in error["message"]


async def test_a_list_shows_refunds_when_expanded_and_says_there_are_some_otherwise(system) -> None:
    merchant = await system.merchant()
    charge_id, refund_id = await _refunded_charge(system, merchant)
    plain = (await system.http.get("/v1/charges", headers=merchant.headers)).json()["data"][0]["refunds"]
    assert plain["data"] == [] and plain["has_more"] is True and plain["url"] == f"/v1/charges/{charge_id}/refunds"
    expanded = await system.http.get("/v1/charges?expand[]=data.refunds", headers=merchant.headers)
    refunds = expanded.json()["data"][0]["refunds"]
    assert [r["id"] for r in refunds["data"]] == [refund_id] and refunds["has_more"] is False
