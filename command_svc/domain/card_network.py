"""The card network port and a deterministic simulator driven by Stripe's test tokens.

The port is synchronous because its only implementation is the in-process simulator; a decider may
call it and stays replayable, since the same token, reference and seed always give the same answer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Final, Protocol

from command_svc.domain.errors import ValidationError
from command_svc.domain.events import Card
from command_svc.domain.fraud import RiskLevel


@dataclass(frozen=True)
class PaymentSource:
    """What a source token stands for."""

    token: str
    card: Card
    risk_level: RiskLevel = RiskLevel.NORMAL
    # Stripe's tok_bypassPending: captured funds skip the pending balance.
    bypass_pending: bool = False
    # Stripe's tok_createDispute: the cardholder disputes the charge once it is captured.
    creates_dispute: bool = False
    # Whether the card's earlier charges are a fraud signal (card velocity). Stripe's ordinary test
    # cards are shared by every integration in test mode, so their history says nothing about the
    # buyer; its Radar test cards are there to exercise the fraud rules, velocity included.
    counts_toward_velocity: bool = False
    # Stripe's tok_radarBlock: Radar blocks it whatever the rules say.
    always_blocked: bool = False
    # When the issuer asks the cardholder to authenticate (3-D Secure) before it authorizes.
    authentication: Authentication = field(default_factory=lambda: Authentication.NEVER)


class Authentication(Enum):
    """When a card's issuer asks for 3-D Secure, as Stripe's authentication test cards behave."""

    NEVER = "never"
    # Every payment, on or off session (off session it fails: nobody is there to authenticate).
    ALWAYS = "always"
    # On session, and off session unless the card was set up for future payments (Stripe's
    # 4000002500003155, pm_card_authenticationRequiredOnSetup).
    UNLESS_SET_UP = "unless_set_up"


@dataclass(frozen=True)
class Authorization:
    approved: bool
    authorization_code: str = ""
    network_transaction_id: str = ""
    decline_code: str = ""
    failure_code: str = ""
    message: str = ""


class CardNetwork(Protocol):
    def resolve(self, source: str) -> PaymentSource:
        """The card behind a source token; ValidationError (field "source") when there is none."""
        ...

    def authorize(
        self, source: PaymentSource, *, amount: int, currency: str, reference: str
    ) -> Authorization:
        """Ask the issuer to hold `amount`; `reference` (the charge id) makes the answer repeatable."""
        ...


@dataclass(frozen=True)
class _Decline:
    failure_code: str
    decline_code: str
    message: str


_GENERIC = _Decline("card_declined", "generic_decline", "Your card was declined.")
_INSUFFICIENT = _Decline("card_declined", "insufficient_funds", "Your card has insufficient funds.")
_FRAUDULENT = _Decline("card_declined", "fraudulent", "Your card was declined.")
_INCORRECT_CVC = _Decline(
    "incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."
)
_EXPIRED = _Decline("expired_card", "expired_card", "Your card has expired.")
_PROCESSING = _Decline(
    "processing_error",
    "processing_error",
    "An error occurred while processing your card. Try again in a little bit.",
)


@dataclass(frozen=True, kw_only=True)
class _TestCard:
    brand: str
    last4: str
    country: str = "US"
    funding: str = "credit"
    decline: _Decline | None = None
    risk_level: RiskLevel = RiskLevel.NORMAL
    bypass_pending: bool = False
    creates_dispute: bool = False
    # One of the cards of Stripe's "Testing Stripe Radar" page (docs.stripe.com/radar/testing).
    radar_test: bool = False
    always_blocked: bool = False
    authentication: Authentication = Authentication.NEVER


_EXP_MONTH: Final = 12
_EXP_YEAR: Final = 2034

# Last four digits are those of the card numbers Stripe documents behind each token. The Radar test
# tokens stand for the card numbers of Stripe's Radar testing page: tok_radarBlock 4100000000000019,
# tok_riskLevelHighest 4000000000004954, tok_riskLevelElevated 4000000000009235 (raw numbers are
# refused as a source, as everywhere: use the token).
TEST_TOKENS: Final[Mapping[str, _TestCard]] = MappingProxyType(
    {
        "tok_visa": _TestCard(brand="visa", last4="4242"),
        "tok_visa_debit": _TestCard(brand="visa", last4="5556", funding="debit"),
        "tok_mastercard": _TestCard(brand="mastercard", last4="4444"),
        "tok_mastercard_debit": _TestCard(brand="mastercard", last4="8210", funding="debit"),
        "tok_mastercard_prepaid": _TestCard(brand="mastercard", last4="5100", funding="prepaid"),
        "tok_amex": _TestCard(brand="amex", last4="8431"),
        "tok_discover": _TestCard(brand="discover", last4="1117"),
        "tok_jcb": _TestCard(brand="jcb", last4="0505", country="JP"),
        "tok_unionpay": _TestCard(brand="unionpay", last4="0005", country="CN"),
        "tok_chargeDeclined": _TestCard(brand="visa", last4="0002", decline=_GENERIC),
        "tok_chargeDeclinedInsufficientFunds": _TestCard(
            brand="visa", last4="9995", decline=_INSUFFICIENT
        ),
        "tok_chargeDeclinedFraudulent": _TestCard(brand="visa", last4="0019", decline=_FRAUDULENT),
        "tok_chargeDeclinedIncorrectCvc": _TestCard(
            brand="visa", last4="0127", decline=_INCORRECT_CVC
        ),
        "tok_chargeDeclinedExpiredCard": _TestCard(brand="visa", last4="0069", decline=_EXPIRED),
        "tok_chargeDeclinedProcessingError": _TestCard(
            brand="visa", last4="0119", decline=_PROCESSING
        ),
        "tok_riskLevelElevated": _TestCard(
            brand="visa", last4="9235", risk_level=RiskLevel.ELEVATED, radar_test=True
        ),
        "tok_riskLevelHighest": _TestCard(
            brand="visa", last4="4954", risk_level=RiskLevel.HIGHEST, radar_test=True
        ),
        "tok_radarBlock": _TestCard(
            brand="visa",
            last4="0019",
            risk_level=RiskLevel.HIGHEST,
            radar_test=True,
            always_blocked=True,
        ),
        "tok_createDispute": _TestCard(brand="visa", last4="0259", creates_dispute=True),
        "tok_bypassPending": _TestCard(brand="visa", last4="0077", bypass_pending=True),
        # Stripe's authentication test cards (docs.stripe.com/testing#authentication-and-setup).
        "tok_threeDSecure2Required": _TestCard(
            brand="visa", last4="3220", authentication=Authentication.ALWAYS
        ),
        "tok_threeDSecureRequired": _TestCard(
            brand="visa", last4="3063", authentication=Authentication.ALWAYS
        ),
        "tok_authenticationRequired": _TestCard(
            brand="visa", last4="3184", authentication=Authentication.ALWAYS
        ),
        "tok_authenticationRequiredOnSetup": _TestCard(
            brand="visa", last4="3155", authentication=Authentication.UNLESS_SET_UP
        ),
        "tok_authenticationRequiredChargeDeclinedInsufficientFunds": _TestCard(
            brand="visa", last4="3178", decline=_INSUFFICIENT, authentication=Authentication.ALWAYS
        ),
        "tok_us": _TestCard(brand="visa", last4="4242"),
        "tok_br": _TestCard(brand="visa", last4="0002", country="BR"),
        "tok_ca": _TestCard(brand="visa", last4="0000", country="CA"),
        "tok_mx": _TestCard(brand="visa", last4="8001", country="MX"),
        "tok_gb": _TestCard(brand="visa", last4="0000", country="GB"),
        "tok_de": _TestCard(brand="visa", last4="0016", country="DE"),
        "tok_fr": _TestCard(brand="visa", last4="0003", country="FR"),
        "tok_jp": _TestCard(brand="visa", last4="0003", country="JP"),
        "tok_in": _TestCard(brand="visa", last4="0008", country="IN"),
        "tok_au": _TestCard(brand="visa", last4="0006", country="AU"),
        "tok_sg": _TestCard(brand="visa", last4="0000", country="SG"),
    }
)

# Stripe's test PaymentMethods (docs.stripe.com/testing): pm_card_<name> stands for tok_<name>.
TEST_PAYMENT_METHODS: Final[Mapping[str, str]] = MappingProxyType(
    {f"pm_card_{token.removeprefix('tok_')}": token for token in TEST_TOKENS}
)

# Stripe's test card numbers, accepted in test mode only to pick the test card they stand for; the
# number itself is never stored nor echoed.
TEST_CARD_NUMBERS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "4242424242424242": "tok_visa",
        "4000056655665556": "tok_visa_debit",
        "5555555555554444": "tok_mastercard",
        "2223003122003222": "tok_mastercard",
        "5200828282828210": "tok_mastercard_debit",
        "5105105105105100": "tok_mastercard_prepaid",
        "378282246310005": "tok_amex",
        "371449635398431": "tok_amex",
        "6011111111111117": "tok_discover",
        "3566002020360505": "tok_jcb",
        "6200000000000005": "tok_unionpay",
        "4000000000000002": "tok_chargeDeclined",
        "4000000000009995": "tok_chargeDeclinedInsufficientFunds",
        "4100000000000019": "tok_radarBlock",
        "4000000000000127": "tok_chargeDeclinedIncorrectCvc",
        "4000000000000069": "tok_chargeDeclinedExpiredCard",
        "4000000000000119": "tok_chargeDeclinedProcessingError",
        "4000000000000259": "tok_createDispute",
        "4000000000000077": "tok_bypassPending",
        "4000000000009235": "tok_riskLevelElevated",
        "4000000000004954": "tok_riskLevelHighest",
        "4000000000003220": "tok_threeDSecure2Required",
        "4000000000003063": "tok_threeDSecureRequired",
        "4000002760003184": "tok_authenticationRequired",
        "4000002500003155": "tok_authenticationRequiredOnSetup",
        "4000008260003178": "tok_authenticationRequiredChargeDeclinedInsufficientFunds",
    }
)


def test_card_token(number: str) -> str:
    """The test token a Stripe test card number stands for; ValidationError for any other number."""
    token = TEST_CARD_NUMBERS.get(number.replace(" ", "").replace("-", ""))
    if token is None:
        # Never echo the number.
        raise ValidationError(
            "CARD_NUMBER_INVALID",
            "Your card number is incorrect; in test mode use one of Stripe's test card numbers.",
            field="card[number]",
        )
    return token


_CARD_NUMBER_LIKE = re.compile(r"^[0-9][0-9 \-]*[0-9]$")


def looks_like_card_number(source: str) -> bool:
    digits = sum(ch.isdigit() for ch in source)
    return bool(_CARD_NUMBER_LIKE.match(source.strip())) and 12 <= digits <= 19


def card_fingerprint(token: str) -> str:
    """Stable per card, so velocity rules see every charge on the same card."""
    return hashlib.sha256(f"fingerprint:{token}".encode()).hexdigest()[:16]


class SimulatedCardNetwork:
    """Approves or declines by token, like Stripe's test mode. Codes derive from seed + reference."""

    def __init__(self, seed: str = "ledgermesh") -> None:
        self._seed = seed
        # A test token always resolves to the same frozen value, and a charge resolves its source
        # three times (decide, fraud, dispute): kept per token, of which there are a few dozen.
        self._resolved: dict[str, PaymentSource] = {}

    def resolve(self, source: str) -> PaymentSource:
        known = self._resolved.get(source)
        if known is not None:
            return known
        if looks_like_card_number(source):
            # Never echo the number: error messages end up in logs and API responses.
            raise ValidationError(
                "RAW_CARD_NUMBER_REFUSED",
                "Sending card numbers directly is not allowed; use a token such as tok_visa.",
                field="source",
            )
        test_card = TEST_TOKENS.get(source)
        if test_card is None:
            shown = f" {source[:64]!r}" if source.startswith("tok_") else ""
            raise ValidationError(
                "SOURCE_INVALID", f"No such payment source{shown}.", field="source"
            )
        card = Card(
            brand=test_card.brand,
            last4=test_card.last4,
            fingerprint=card_fingerprint(source),
            country=test_card.country,
            exp_month=_EXP_MONTH,
            exp_year=_EXP_YEAR,
            funding=test_card.funding,
        )
        resolved = self._resolved[source] = PaymentSource(
            token=source,
            card=card,
            risk_level=test_card.risk_level,
            bypass_pending=test_card.bypass_pending,
            creates_dispute=test_card.creates_dispute,
            counts_toward_velocity=test_card.radar_test,
            always_blocked=test_card.always_blocked,
            authentication=test_card.authentication,
        )
        return resolved

    def authorize(
        self, source: PaymentSource, *, amount: int, currency: str, reference: str
    ) -> Authorization:
        network_transaction_id = self._network_transaction_id(reference)
        test_card = TEST_TOKENS.get(source.token)
        decline = test_card.decline if test_card is not None else _GENERIC
        if decline is not None:
            return Authorization(
                approved=False,
                network_transaction_id=network_transaction_id,
                decline_code=decline.decline_code,
                failure_code=decline.failure_code,
                message=decline.message,
            )
        return Authorization(
            approved=True,
            authorization_code=self._digest("authorization", reference)[:6].upper(),
            network_transaction_id=network_transaction_id,
        )

    def _network_transaction_id(self, reference: str) -> str:
        return str(int(self._digest("network_transaction", reference), 16) % 10**15).zfill(15)

    def _digest(self, purpose: str, reference: str) -> str:
        return hashlib.sha256(f"{self._seed}:{purpose}:{reference}".encode()).hexdigest()
