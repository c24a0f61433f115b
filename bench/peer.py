"""The peer: the `eventsourcing` library (PostgreSQL backend) doing a charge's work: one aggregate,
four events, one save. Imported only when the baseline runs (eventsourcing is a dev dependency)."""

from __future__ import annotations

from urllib.parse import urlparse

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Charge(Aggregate):
    @event("Requested")
    def __init__(self, amount: int, currency: str, source: str, metadata: dict[str, str]) -> None:
        self.amount, self.currency, self.source, self.metadata = amount, currency, source, metadata
        self.status = "pending"

    @event("FraudChecked")
    def fraud_checked(self, risk_score: int, decision: str) -> None:
        self.risk_score, self.decision = risk_score, decision

    @event("Authorized")
    def authorize(self, authorization_code: str, network_transaction_id: str) -> None:
        self.status = "succeeded"
        self.authorization_code, self.network_transaction_id = authorization_code, network_transaction_id

    @event("Captured")
    def capture(self, amount: int, fee: int) -> None:
        self.captured, self.fee = amount, fee


class Payments(Application):
    def charge(self, n: int) -> None:
        c = Charge(amount=1000 + n % 4000, currency="usd", source="tok_visa", metadata={"order_id": f"o-{n}"})
        c.fraud_checked(risk_score=5, decision="allow")
        c.authorize(authorization_code=f"A{n:06d}", network_transaction_id=f"ntx_{n}")
        c.capture(amount=c.amount, fee=c.amount * 29 // 1000 + 30)
        self.save(c)


def payments_app(database_url: str, schema: str, pool_size: int) -> Payments:
    url = urlparse(database_url)
    return Payments(env={
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": (url.path or "/postgres").lstrip("/"),
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": url.username or "postgres",
        "POSTGRES_PASSWORD": url.password or "",
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": "0",
    })
