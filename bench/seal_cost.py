"""The cost of crypto-shredding's sealing step on the command path and of opening on the projector,
in-process: `python -m bench.seal_cost` (bench/results/shredding-command.md)."""

from __future__ import annotations

import os
import statistics
import time
import uuid
from datetime import UTC, datetime

from eventcodec.codec import payload_json, payload_message
from eventcodec.personal import open_message
from eventlog.integrity import Signer
from eventlog.records import AuditContext, Commit, NewEvent, StreamAppend
from eventlog.sealing import seal
from eventlog.subject_keys import MasterKey, SubjectKeys


def _create_charge_commit(n: int) -> Commit:
    """The five events of a captured CreateCharge, with the bench's description and metadata."""
    requested = {"charge_id": f"ch_{n}", "amount": 4999, "currency": "usd", "source": "tok_visa",
                 "merchant_id": "acct_1", "metadata": {"order_id": f"o-{n}"}, "capture": True,
                 "description": f"bench order {n}",
                 "card": {"brand": "visa", "last4": "4242", "fingerprint": "fp", "country": "US", "exp_month": 12,
                          "exp_year": 2030, "funding": "credit"}}
    charge = (NewEvent("ChargeRequested", requested),
              NewEvent("FraudCheckCompleted", {"charge_id": f"ch_{n}", "risk_score": 5}),
              NewEvent("PaymentAuthorized", {"charge_id": f"ch_{n}", "amount": 4999}),
              NewEvent("PaymentCaptured", {"charge_id": f"ch_{n}"}))
    return Commit("acct_1", (StreamAppend(f"ch_{n}", "Charge", 0, charge),
                             StreamAppend("ledger:acct_1:usd", "Ledger", 0, (NewEvent("LedgerEntryPosted", {"entry_id": "le"}),))),
                  AuditContext(correlation_id=uuid.uuid4(), ip_address="127.0.0.1"))


NOW = datetime.now(UTC)


def _median_us(samples: list[float]) -> str:
    return f"median {statistics.median(samples):.1f} us [{min(samples):.1f}-{max(samples):.1f}]"


def main(commits: int = 20_000, repetitions: int = 5) -> None:
    keys = SubjectKeys(MasterKey(os.urandom(32)))
    batch = [_create_charge_commit(n) for n in range(commits)]
    for commit in batch[:1000]:
        keys.seal_commit(commit)
    signer = Signer.generate()
    samples, chained = [], []
    for _ in range(repetitions):
        started = time.perf_counter()
        sealed = [keys.seal_commit(commit) for commit in batch]
        samples.append((time.perf_counter() - started) / commits * 1e6)
        # The baseline: what the log already does to every commit (hash chain, Ed25519 signatures).
        started = time.perf_counter()
        for commit in batch:
            seal(commit.tenant_id, commit.appends, {}, commit.audit.as_metadata(), NOW, signer.sign)
        chained.append((time.perf_counter() - started) / commits * 1e6)
    print(f"load {os.getloadavg()}")
    print(f"seal_commit (encryption) per CreateCharge commit: {_median_us(samples)}")
    print(f"hash chain and signatures of the same commit (baseline): {_median_us(chained)}; "
          f"ratio {statistics.median(samples) / statistics.median(chained):.2f}x")
    events = [(str(s.commit.appends[0].events[0].event_id),
               payload_message("ChargeRequested", s.commit.appends[0].events[0].data)) for s in sealed[:5000]]
    samples = []
    for _ in range(repetitions):
        started = time.perf_counter()
        for event_id, message in events:
            opened = open_message("ChargeRequested", event_id, message, keys.key_by_id)
            assert opened is not None
            payload_json(opened)
        samples.append((time.perf_counter() - started) / len(events) * 1e6)
    print(f"open ChargeRequested and its JSON per event: {_median_us(samples)}")


if __name__ == "__main__":
    main()
