import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ledgermesh.accounts.v1 import account_pb2 as _account_pb2
from ledgermesh.disputes.v1 import dispute_pb2 as _dispute_pb2
from ledgermesh.events.v1 import envelope_pb2 as _envelope_pb2
from ledgermesh.payments.v1 import charge_pb2 as _charge_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Page(_message.Message):
    __slots__ = ("limit", "starting_after", "ending_before", "created_gte", "created_lte")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    STARTING_AFTER_FIELD_NUMBER: _ClassVar[int]
    ENDING_BEFORE_FIELD_NUMBER: _ClassVar[int]
    CREATED_GTE_FIELD_NUMBER: _ClassVar[int]
    CREATED_LTE_FIELD_NUMBER: _ClassVar[int]
    limit: int
    starting_after: str
    ending_before: str
    created_gte: _timestamp_pb2.Timestamp
    created_lte: _timestamp_pb2.Timestamp
    def __init__(self, limit: _Optional[int] = ..., starting_after: _Optional[str] = ..., ending_before: _Optional[str] = ..., created_gte: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_lte: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetChargeRequest(_message.Message):
    __slots__ = ("charge_id", "min_position")
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    charge_id: str
    min_position: int
    def __init__(self, charge_id: _Optional[str] = ..., min_position: _Optional[int] = ...) -> None: ...

class GetChargeResponse(_message.Message):
    __slots__ = ("charge",)
    CHARGE_FIELD_NUMBER: _ClassVar[int]
    charge: _charge_pb2.Charge
    def __init__(self, charge: _Optional[_Union[_charge_pb2.Charge, _Mapping]] = ...) -> None: ...

class ListChargesRequest(_message.Message):
    __slots__ = ("page", "status", "amount_gte", "amount_lte", "currency", "customer", "card_last4", "metadata_key", "metadata_value", "payment_intent")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_GTE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_LTE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    CARD_LAST4_FIELD_NUMBER: _ClassVar[int]
    METADATA_KEY_FIELD_NUMBER: _ClassVar[int]
    METADATA_VALUE_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    page: Page
    status: str
    amount_gte: int
    amount_lte: int
    currency: str
    customer: str
    card_last4: str
    metadata_key: str
    metadata_value: str
    payment_intent: str
    def __init__(self, page: _Optional[_Union[Page, _Mapping]] = ..., status: _Optional[str] = ..., amount_gte: _Optional[int] = ..., amount_lte: _Optional[int] = ..., currency: _Optional[str] = ..., customer: _Optional[str] = ..., card_last4: _Optional[str] = ..., metadata_key: _Optional[str] = ..., metadata_value: _Optional[str] = ..., payment_intent: _Optional[str] = ...) -> None: ...

class ListChargesResponse(_message.Message):
    __slots__ = ("charges", "has_more")
    CHARGES_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    charges: _containers.RepeatedCompositeFieldContainer[_charge_pb2.Charge]
    has_more: bool
    def __init__(self, charges: _Optional[_Iterable[_Union[_charge_pb2.Charge, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class GetRefundRequest(_message.Message):
    __slots__ = ("refund_id", "min_position")
    REFUND_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    refund_id: str
    min_position: int
    def __init__(self, refund_id: _Optional[str] = ..., min_position: _Optional[int] = ...) -> None: ...

class GetRefundResponse(_message.Message):
    __slots__ = ("refund",)
    REFUND_FIELD_NUMBER: _ClassVar[int]
    refund: _charge_pb2.Refund
    def __init__(self, refund: _Optional[_Union[_charge_pb2.Refund, _Mapping]] = ...) -> None: ...

class ListRefundsRequest(_message.Message):
    __slots__ = ("page", "charge_id")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    page: Page
    charge_id: str
    def __init__(self, page: _Optional[_Union[Page, _Mapping]] = ..., charge_id: _Optional[str] = ...) -> None: ...

class ListRefundsResponse(_message.Message):
    __slots__ = ("refunds", "has_more")
    REFUNDS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    refunds: _containers.RepeatedCompositeFieldContainer[_charge_pb2.Refund]
    has_more: bool
    def __init__(self, refunds: _Optional[_Iterable[_Union[_charge_pb2.Refund, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class GetDisputeRequest(_message.Message):
    __slots__ = ("dispute_id", "min_position")
    DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    dispute_id: str
    min_position: int
    def __init__(self, dispute_id: _Optional[str] = ..., min_position: _Optional[int] = ...) -> None: ...

class GetDisputeResponse(_message.Message):
    __slots__ = ("dispute",)
    DISPUTE_FIELD_NUMBER: _ClassVar[int]
    dispute: _dispute_pb2.Dispute
    def __init__(self, dispute: _Optional[_Union[_dispute_pb2.Dispute, _Mapping]] = ...) -> None: ...

class ListDisputesRequest(_message.Message):
    __slots__ = ("page", "status")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    page: Page
    status: str
    def __init__(self, page: _Optional[_Union[Page, _Mapping]] = ..., status: _Optional[str] = ...) -> None: ...

class ListDisputesResponse(_message.Message):
    __slots__ = ("disputes", "has_more")
    DISPUTES_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    disputes: _containers.RepeatedCompositeFieldContainer[_dispute_pb2.Dispute]
    has_more: bool
    def __init__(self, disputes: _Optional[_Iterable[_Union[_dispute_pb2.Dispute, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class GetPayoutRequest(_message.Message):
    __slots__ = ("payout_id", "min_position")
    PAYOUT_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    payout_id: str
    min_position: int
    def __init__(self, payout_id: _Optional[str] = ..., min_position: _Optional[int] = ...) -> None: ...

class GetPayoutResponse(_message.Message):
    __slots__ = ("payout",)
    PAYOUT_FIELD_NUMBER: _ClassVar[int]
    payout: _account_pb2.Payout
    def __init__(self, payout: _Optional[_Union[_account_pb2.Payout, _Mapping]] = ...) -> None: ...

class ListPayoutsRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: Page
    def __init__(self, page: _Optional[_Union[Page, _Mapping]] = ...) -> None: ...

class ListPayoutsResponse(_message.Message):
    __slots__ = ("payouts", "has_more")
    PAYOUTS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    payouts: _containers.RepeatedCompositeFieldContainer[_account_pb2.Payout]
    has_more: bool
    def __init__(self, payouts: _Optional[_Iterable[_Union[_account_pb2.Payout, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ("account_id", "min_position")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    min_position: int
    def __init__(self, account_id: _Optional[str] = ..., min_position: _Optional[int] = ...) -> None: ...

class GetAccountResponse(_message.Message):
    __slots__ = ("account",)
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    def __init__(self, account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ...) -> None: ...

class GetBalanceRequest(_message.Message):
    __slots__ = ("min_position",)
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    min_position: int
    def __init__(self, min_position: _Optional[int] = ...) -> None: ...

class GetBalanceResponse(_message.Message):
    __slots__ = ("balance",)
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    balance: _account_pb2.Balance
    def __init__(self, balance: _Optional[_Union[_account_pb2.Balance, _Mapping]] = ...) -> None: ...

class GetBalanceTransactionRequest(_message.Message):
    __slots__ = ("balance_transaction_id", "min_position")
    BALANCE_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    balance_transaction_id: str
    min_position: int
    def __init__(self, balance_transaction_id: _Optional[str] = ..., min_position: _Optional[int] = ...) -> None: ...

class GetBalanceTransactionResponse(_message.Message):
    __slots__ = ("balance_transaction",)
    BALANCE_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    balance_transaction: _account_pb2.BalanceTransaction
    def __init__(self, balance_transaction: _Optional[_Union[_account_pb2.BalanceTransaction, _Mapping]] = ...) -> None: ...

class ListBalanceTransactionsRequest(_message.Message):
    __slots__ = ("page", "type", "source")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    page: Page
    type: str
    source: str
    def __init__(self, page: _Optional[_Union[Page, _Mapping]] = ..., type: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class ListBalanceTransactionsResponse(_message.Message):
    __slots__ = ("balance_transactions", "has_more")
    BALANCE_TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    balance_transactions: _containers.RepeatedCompositeFieldContainer[_account_pb2.BalanceTransaction]
    has_more: bool
    def __init__(self, balance_transactions: _Optional[_Iterable[_Union[_account_pb2.BalanceTransaction, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class GetEventRequest(_message.Message):
    __slots__ = ("event_id",)
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    def __init__(self, event_id: _Optional[str] = ...) -> None: ...

class GetEventResponse(_message.Message):
    __slots__ = ("event", "data_object_json")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    DATA_OBJECT_JSON_FIELD_NUMBER: _ClassVar[int]
    event: _envelope_pb2.EventEnvelope
    data_object_json: str
    def __init__(self, event: _Optional[_Union[_envelope_pb2.EventEnvelope, _Mapping]] = ..., data_object_json: _Optional[str] = ...) -> None: ...

class ListEventsRequest(_message.Message):
    __slots__ = ("page", "type")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    page: Page
    type: str
    def __init__(self, page: _Optional[_Union[Page, _Mapping]] = ..., type: _Optional[str] = ...) -> None: ...

class ListEventsResponse(_message.Message):
    __slots__ = ("events", "has_more", "data_objects_json")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    DATA_OBJECTS_JSON_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_envelope_pb2.EventEnvelope]
    has_more: bool
    data_objects_json: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, events: _Optional[_Iterable[_Union[_envelope_pb2.EventEnvelope, _Mapping]]] = ..., has_more: _Optional[bool] = ..., data_objects_json: _Optional[_Iterable[str]] = ...) -> None: ...

class Dashboard(_message.Message):
    __slots__ = ("day", "volume", "charge_count", "succeeded_count", "failed_count", "success_rate_bps", "recent_charges", "refunded")
    DAY_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    CHARGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    SUCCEEDED_COUNT_FIELD_NUMBER: _ClassVar[int]
    FAILED_COUNT_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_RATE_BPS_FIELD_NUMBER: _ClassVar[int]
    RECENT_CHARGES_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_FIELD_NUMBER: _ClassVar[int]
    day: str
    volume: _containers.RepeatedCompositeFieldContainer[_account_pb2.BalanceAmount]
    charge_count: int
    succeeded_count: int
    failed_count: int
    success_rate_bps: int
    recent_charges: _containers.RepeatedCompositeFieldContainer[_charge_pb2.Charge]
    refunded: _containers.RepeatedCompositeFieldContainer[_account_pb2.BalanceAmount]
    def __init__(self, day: _Optional[str] = ..., volume: _Optional[_Iterable[_Union[_account_pb2.BalanceAmount, _Mapping]]] = ..., charge_count: _Optional[int] = ..., succeeded_count: _Optional[int] = ..., failed_count: _Optional[int] = ..., success_rate_bps: _Optional[int] = ..., recent_charges: _Optional[_Iterable[_Union[_charge_pb2.Charge, _Mapping]]] = ..., refunded: _Optional[_Iterable[_Union[_account_pb2.BalanceAmount, _Mapping]]] = ...) -> None: ...

class GetDashboardRequest(_message.Message):
    __slots__ = ("timeframe",)
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    timeframe: str
    def __init__(self, timeframe: _Optional[str] = ...) -> None: ...

class GetDashboardResponse(_message.Message):
    __slots__ = ("dashboard",)
    DASHBOARD_FIELD_NUMBER: _ClassVar[int]
    dashboard: Dashboard
    def __init__(self, dashboard: _Optional[_Union[Dashboard, _Mapping]] = ...) -> None: ...

class WatchDashboardRequest(_message.Message):
    __slots__ = ("timeframe",)
    TIMEFRAME_FIELD_NUMBER: _ClassVar[int]
    timeframe: str
    def __init__(self, timeframe: _Optional[str] = ...) -> None: ...

class WatchDashboardResponse(_message.Message):
    __slots__ = ("dashboard",)
    DASHBOARD_FIELD_NUMBER: _ClassVar[int]
    dashboard: Dashboard
    def __init__(self, dashboard: _Optional[_Union[Dashboard, _Mapping]] = ...) -> None: ...

class SettlementRow(_message.Message):
    __slots__ = ("day", "currency", "gross", "fees", "refunds", "dispute_debits", "net", "payouts", "charge_count")
    DAY_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    GROSS_FIELD_NUMBER: _ClassVar[int]
    FEES_FIELD_NUMBER: _ClassVar[int]
    REFUNDS_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_DEBITS_FIELD_NUMBER: _ClassVar[int]
    NET_FIELD_NUMBER: _ClassVar[int]
    PAYOUTS_FIELD_NUMBER: _ClassVar[int]
    CHARGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    day: str
    currency: str
    gross: int
    fees: int
    refunds: int
    dispute_debits: int
    net: int
    payouts: int
    charge_count: int
    def __init__(self, day: _Optional[str] = ..., currency: _Optional[str] = ..., gross: _Optional[int] = ..., fees: _Optional[int] = ..., refunds: _Optional[int] = ..., dispute_debits: _Optional[int] = ..., net: _Optional[int] = ..., payouts: _Optional[int] = ..., charge_count: _Optional[int] = ...) -> None: ...

class GetSettlementReportRequest(_message.Message):
    __slots__ = ("start_day", "end_day")
    START_DAY_FIELD_NUMBER: _ClassVar[int]
    END_DAY_FIELD_NUMBER: _ClassVar[int]
    start_day: str
    end_day: str
    def __init__(self, start_day: _Optional[str] = ..., end_day: _Optional[str] = ...) -> None: ...

class GetSettlementReportResponse(_message.Message):
    __slots__ = ("rows",)
    ROWS_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[SettlementRow]
    def __init__(self, rows: _Optional[_Iterable[_Union[SettlementRow, _Mapping]]] = ...) -> None: ...

class AnalyticsDay(_message.Message):
    __slots__ = ("day", "volume", "count", "succeeded", "success_rate_bps", "decline_reasons", "card_countries")
    class DeclineReasonsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class CardCountriesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    DAY_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SUCCEEDED_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_RATE_BPS_FIELD_NUMBER: _ClassVar[int]
    DECLINE_REASONS_FIELD_NUMBER: _ClassVar[int]
    CARD_COUNTRIES_FIELD_NUMBER: _ClassVar[int]
    day: str
    volume: _containers.RepeatedCompositeFieldContainer[_account_pb2.BalanceAmount]
    count: int
    succeeded: int
    success_rate_bps: int
    decline_reasons: _containers.ScalarMap[str, int]
    card_countries: _containers.ScalarMap[str, int]
    def __init__(self, day: _Optional[str] = ..., volume: _Optional[_Iterable[_Union[_account_pb2.BalanceAmount, _Mapping]]] = ..., count: _Optional[int] = ..., succeeded: _Optional[int] = ..., success_rate_bps: _Optional[int] = ..., decline_reasons: _Optional[_Mapping[str, int]] = ..., card_countries: _Optional[_Mapping[str, int]] = ...) -> None: ...

class GetAnalyticsRequest(_message.Message):
    __slots__ = ("start_day", "end_day")
    START_DAY_FIELD_NUMBER: _ClassVar[int]
    END_DAY_FIELD_NUMBER: _ClassVar[int]
    start_day: str
    end_day: str
    def __init__(self, start_day: _Optional[str] = ..., end_day: _Optional[str] = ...) -> None: ...

class GetAnalyticsResponse(_message.Message):
    __slots__ = ("days",)
    DAYS_FIELD_NUMBER: _ClassVar[int]
    days: _containers.RepeatedCompositeFieldContainer[AnalyticsDay]
    def __init__(self, days: _Optional[_Iterable[_Union[AnalyticsDay, _Mapping]]] = ...) -> None: ...

class GetAuditTrailRequest(_message.Message):
    __slots__ = ("object_id",)
    OBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    object_id: str
    def __init__(self, object_id: _Optional[str] = ...) -> None: ...

class GetAuditTrailResponse(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_envelope_pb2.EventEnvelope]
    def __init__(self, events: _Optional[_Iterable[_Union[_envelope_pb2.EventEnvelope, _Mapping]]] = ...) -> None: ...

class SuspiciousActivity(_message.Message):
    __slots__ = ("charge_id", "decision", "risk_score", "rules_triggered", "created", "amount", "currency")
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    RISK_SCORE_FIELD_NUMBER: _ClassVar[int]
    RULES_TRIGGERED_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    charge_id: str
    decision: str
    risk_score: int
    rules_triggered: _containers.RepeatedScalarFieldContainer[str]
    created: _timestamp_pb2.Timestamp
    amount: int
    currency: str
    def __init__(self, charge_id: _Optional[str] = ..., decision: _Optional[str] = ..., risk_score: _Optional[int] = ..., rules_triggered: _Optional[_Iterable[str]] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class ListSuspiciousActivityRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: Page
    def __init__(self, page: _Optional[_Union[Page, _Mapping]] = ...) -> None: ...

class ListSuspiciousActivityResponse(_message.Message):
    __slots__ = ("items", "has_more")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[SuspiciousActivity]
    has_more: bool
    def __init__(self, items: _Optional[_Iterable[_Union[SuspiciousActivity, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class ProjectionStatus(_message.Message):
    __slots__ = ("name", "applied", "position", "last_lag_ms", "last_applied_at", "dead_letters")
    NAME_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    LAST_LAG_MS_FIELD_NUMBER: _ClassVar[int]
    LAST_APPLIED_AT_FIELD_NUMBER: _ClassVar[int]
    DEAD_LETTERS_FIELD_NUMBER: _ClassVar[int]
    name: str
    applied: int
    position: int
    last_lag_ms: int
    last_applied_at: _timestamp_pb2.Timestamp
    dead_letters: int
    def __init__(self, name: _Optional[str] = ..., applied: _Optional[int] = ..., position: _Optional[int] = ..., last_lag_ms: _Optional[int] = ..., last_applied_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., dead_letters: _Optional[int] = ...) -> None: ...

class GetProjectionStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetProjectionStatusResponse(_message.Message):
    __slots__ = ("projections",)
    PROJECTIONS_FIELD_NUMBER: _ClassVar[int]
    projections: _containers.RepeatedCompositeFieldContainer[ProjectionStatus]
    def __init__(self, projections: _Optional[_Iterable[_Union[ProjectionStatus, _Mapping]]] = ...) -> None: ...
