"""Fraud rules: a few weighted signals add up to a 0-99 risk score and a decision.

The signals are about the payment, never about how much the merchant sells: a card charged again and
again (card testing), a card from another country than the buyer's IP or the merchant, a large amount,
and the risk level Stripe's Radar test cards carry. A busy merchant is a good merchant."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Final

from command_svc.domain.events import Card, FraudDecision
from command_svc.domain.money import minor_units


class RiskLevel(Enum):
    """Stripe's outcome.risk_level; test tokens carry one as a hint."""

    NORMAL = "normal"
    ELEVATED = "elevated"
    HIGHEST = "highest"


# Rule names, as they appear in FraudCheckCompleted.rules_triggered and the charge outcome.
LARGE_AMOUNT: Final = "large_amount"
CARD_VELOCITY: Final = "card_velocity"
COUNTRY_MISMATCH: Final = "country_mismatch"
INTERNATIONAL_CARD: Final = "international_card"
ELEVATED_RISK_LEVEL: Final = "elevated_risk_level"
HIGHEST_RISK_LEVEL: Final = "highest_risk_level"
# Stripe's tok_radarBlock (card 4100000000000019): blocked whatever the rules say.
ALWAYS_BLOCKED: Final = "always_blocked"

MAX_RISK_SCORE: Final = 99


@dataclass(frozen=True, kw_only=True)
class FraudRules:
    """Thresholds and weights. A score at or above `block_score` blocks, at or above `review_score`
    flags the charge for manual review; the risk level follows the same thresholds."""

    base_score: int = 5
    # In major units, scaled by the currency exponent; override where a major unit is worth little.
    large_amount_major: int = 5_000
    large_amount_minor_overrides: Mapping[str, int] = field(
        default_factory=lambda: {"jpy": 750_000, "krw": 7_000_000, "huf": 200_000_000}
    )
    large_amount_points: int = 35
    # Previous charges by the same card fingerprint within an hour: card testing.
    card_charges_per_hour: int = 5
    card_velocity_points: int = 55
    country_mismatch_points: int = 25
    international_card_points: int = 10
    elevated_token_score: int = 65
    highest_token_score: int = 95
    review_score: int = 50
    block_score: int = 85

    def large_amount_threshold(self, currency: str) -> int:
        override = self.large_amount_minor_overrides.get(currency)
        if override is not None:
            return override
        return minor_units(self.large_amount_major, currency)


DEFAULT_FRAUD_RULES: Final = FraudRules()


@dataclass(frozen=True, kw_only=True)
class FraudContext:
    amount: int
    currency: str
    card: Card
    ip_country: str = ""
    account_country: str = ""
    card_charges_last_hour: int = 0
    token_risk: RiskLevel = RiskLevel.NORMAL
    always_block: bool = False


@dataclass(frozen=True)
class FraudAssessment:
    risk_score: int
    decision: FraudDecision
    rules_triggered: tuple[str, ...]
    risk_level: RiskLevel


def assess(context: FraudContext, rules: FraudRules = DEFAULT_FRAUD_RULES) -> FraudAssessment:
    triggered: list[str] = []
    score = rules.base_score

    def fire(rule: str, points: int) -> None:
        nonlocal score
        triggered.append(rule)
        score += points

    if context.amount >= rules.large_amount_threshold(context.currency):
        fire(LARGE_AMOUNT, rules.large_amount_points)
    if context.card_charges_last_hour >= rules.card_charges_per_hour:
        fire(CARD_VELOCITY, rules.card_velocity_points)
    card_country = context.card.country.upper()
    if context.ip_country and card_country and context.ip_country.upper() != card_country:
        fire(COUNTRY_MISMATCH, rules.country_mismatch_points)
    if context.account_country and card_country and context.account_country.upper() != card_country:
        fire(INTERNATIONAL_CARD, rules.international_card_points)
    if context.token_risk is RiskLevel.ELEVATED:
        triggered.append(ELEVATED_RISK_LEVEL)
        score = max(score, rules.elevated_token_score)
    elif context.token_risk is RiskLevel.HIGHEST:
        triggered.append(HIGHEST_RISK_LEVEL)
        score = max(score, rules.highest_token_score)
    if context.always_block:
        triggered.append(ALWAYS_BLOCKED)
        return FraudAssessment(MAX_RISK_SCORE, FraudDecision.BLOCK, tuple(triggered), RiskLevel.HIGHEST)

    score = min(score, MAX_RISK_SCORE)
    return FraudAssessment(
        risk_score=score,
        decision=_decision(score, rules),
        rules_triggered=tuple(triggered),
        risk_level=_risk_level(score, rules),
    )


def _decision(score: int, rules: FraudRules) -> FraudDecision:
    if score >= rules.block_score:
        return FraudDecision.BLOCK
    if score >= rules.review_score:
        return FraudDecision.REVIEW
    return FraudDecision.ALLOW


def _risk_level(score: int, rules: FraudRules) -> RiskLevel:
    if score >= rules.block_score:
        return RiskLevel.HIGHEST
    if score >= rules.review_score:
        return RiskLevel.ELEVATED
    return RiskLevel.NORMAL
