from dataclasses import replace
from typing import Any

from command_svc.domain.events import Card, FraudDecision
from command_svc.domain.fraud import FraudContext, FraudRules, RiskLevel, assess

DOMESTIC_CHARGE = FraudContext(
    amount=2_000,
    currency="usd",
    card=Card(brand="visa", last4="4242", fingerprint="fp", country="US"),
    ip_country="US",
    account_country="US",
)


def context(**overrides: Any) -> FraudContext:
    return replace(DOMESTIC_CHARGE, **overrides)


def test_small_domestic_charge_is_allowed_with_normal_risk() -> None:
    assessment = assess(context())

    assert assessment.decision is FraudDecision.ALLOW
    assert assessment.risk_level is RiskLevel.NORMAL
    assert assessment.rules_triggered == ()
    assert 0 <= assessment.risk_score < 50


def test_large_amount_alone_raises_the_score_but_is_allowed() -> None:
    assessment = assess(context(amount=500_000))

    assert assessment.rules_triggered == ("large_amount",)
    assert assessment.decision is FraudDecision.ALLOW
    assert assessment.risk_score > assess(context()).risk_score


def test_large_amount_threshold_respects_zero_decimal_currencies() -> None:
    # 5,000 yen is a small payment; 750,000 yen is a large one.
    assert "large_amount" not in assess(context(amount=5_000, currency="jpy")).rules_triggered
    assert "large_amount" in assess(context(amount=750_000, currency="jpy")).rules_triggered


def test_many_charges_on_one_card_within_an_hour_are_sent_to_review() -> None:
    assessment = assess(context(card_charges_last_hour=5))

    assert "card_velocity" in assessment.rules_triggered
    assert assessment.decision is FraudDecision.REVIEW
    assert assessment.risk_level is RiskLevel.ELEVATED


def test_card_velocity_from_a_foreign_ip_is_blocked() -> None:
    assessment = assess(context(card_charges_last_hour=9, ip_country="RU"))

    assert set(assessment.rules_triggered) >= {"card_velocity", "country_mismatch"}
    assert assessment.decision is FraudDecision.BLOCK
    assert assessment.risk_level is RiskLevel.HIGHEST


def test_an_always_blocked_radar_card_is_blocked_whatever_else_the_charge_looks_like() -> None:
    assessment = assess(context(always_block=True, token_risk=RiskLevel.HIGHEST),
                        FraudRules(block_score=100, review_score=100))

    assert assessment.decision is FraudDecision.BLOCK
    assert assessment.risk_score == 99
    assert assessment.risk_level is RiskLevel.HIGHEST
    assert "always_blocked" in assessment.rules_triggered


def test_country_mismatch_fires_only_when_the_ip_country_is_known() -> None:
    assert "country_mismatch" in assess(context(ip_country="BR")).rules_triggered
    assert "country_mismatch" not in assess(context(ip_country="")).rules_triggered


def test_elevated_risk_test_token_is_sent_to_review() -> None:
    assessment = assess(context(token_risk=RiskLevel.ELEVATED))

    assert assessment.decision is FraudDecision.REVIEW
    assert assessment.risk_level is RiskLevel.ELEVATED
    assert "elevated_risk_level" in assessment.rules_triggered


def test_highest_risk_test_token_is_blocked() -> None:
    assessment = assess(context(token_risk=RiskLevel.HIGHEST))

    assert assessment.decision is FraudDecision.BLOCK
    assert assessment.risk_level is RiskLevel.HIGHEST
    assert "highest_risk_level" in assessment.rules_triggered


def test_risk_score_never_exceeds_99() -> None:
    assessment = assess(
        context(
            amount=9_000_000,
            card_charges_last_hour=50,
            ip_country="RU",
            account_country="GB",
            token_risk=RiskLevel.HIGHEST,
        )
    )

    assert assessment.risk_score == 99


def test_stricter_rules_review_what_the_defaults_allow() -> None:
    strict = FraudRules(large_amount_major=10)

    assert assess(context(amount=2_000)).decision is FraudDecision.ALLOW
    assert assess(context(amount=2_000, ip_country="FR"), strict).decision is FraudDecision.REVIEW
