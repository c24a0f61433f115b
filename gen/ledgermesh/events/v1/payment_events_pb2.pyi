import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FraudDecision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FRAUD_DECISION_UNSPECIFIED: _ClassVar[FraudDecision]
    FRAUD_DECISION_ALLOW: _ClassVar[FraudDecision]
    FRAUD_DECISION_REVIEW: _ClassVar[FraudDecision]
    FRAUD_DECISION_BLOCK: _ClassVar[FraudDecision]
FRAUD_DECISION_UNSPECIFIED: FraudDecision
FRAUD_DECISION_ALLOW: FraudDecision
FRAUD_DECISION_REVIEW: FraudDecision
FRAUD_DECISION_BLOCK: FraudDecision

class Card(_message.Message):
    __slots__ = ("brand", "last4", "fingerprint", "country", "exp_month", "exp_year", "funding")
    BRAND_FIELD_NUMBER: _ClassVar[int]
    LAST4_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    EXP_MONTH_FIELD_NUMBER: _ClassVar[int]
    EXP_YEAR_FIELD_NUMBER: _ClassVar[int]
    FUNDING_FIELD_NUMBER: _ClassVar[int]
    brand: str
    last4: str
    fingerprint: str
    country: str
    exp_month: int
    exp_year: int
    funding: str
    def __init__(self, brand: _Optional[str] = ..., last4: _Optional[str] = ..., fingerprint: _Optional[str] = ..., country: _Optional[str] = ..., exp_month: _Optional[int] = ..., exp_year: _Optional[int] = ..., funding: _Optional[str] = ...) -> None: ...

class ChargeRequested(_message.Message):
    __slots__ = ("charge_id", "amount", "currency", "source", "merchant_id", "metadata", "capture", "description", "customer", "card", "statement_descriptor", "receipt_email", "ip_country", "payment_intent", "payment_method")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    MERCHANT_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    CARD_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_DESCRIPTOR_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_EMAIL_FIELD_NUMBER: _ClassVar[int]
    IP_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    charge_id: str
    amount: int
    currency: str
    source: str
    merchant_id: str
    metadata: _containers.ScalarMap[str, str]
    capture: bool
    description: str
    customer: str
    card: Card
    statement_descriptor: str
    receipt_email: str
    ip_country: str
    payment_intent: str
    payment_method: str
    def __init__(self, charge_id: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., source: _Optional[str] = ..., merchant_id: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., capture: _Optional[bool] = ..., description: _Optional[str] = ..., customer: _Optional[str] = ..., card: _Optional[_Union[Card, _Mapping]] = ..., statement_descriptor: _Optional[str] = ..., receipt_email: _Optional[str] = ..., ip_country: _Optional[str] = ..., payment_intent: _Optional[str] = ..., payment_method: _Optional[str] = ...) -> None: ...

class FraudCheckCompleted(_message.Message):
    __slots__ = ("charge_id", "risk_score", "decision", "rules_triggered", "risk_level")
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    RISK_SCORE_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    RULES_TRIGGERED_FIELD_NUMBER: _ClassVar[int]
    RISK_LEVEL_FIELD_NUMBER: _ClassVar[int]
    charge_id: str
    risk_score: int
    decision: FraudDecision
    rules_triggered: _containers.RepeatedScalarFieldContainer[str]
    risk_level: str
    def __init__(self, charge_id: _Optional[str] = ..., risk_score: _Optional[int] = ..., decision: _Optional[_Union[FraudDecision, str]] = ..., rules_triggered: _Optional[_Iterable[str]] = ..., risk_level: _Optional[str] = ...) -> None: ...

class PaymentAuthorized(_message.Message):
    __slots__ = ("charge_id", "amount", "currency", "authorization_code", "network_transaction_id", "expires_at")
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATION_CODE_FIELD_NUMBER: _ClassVar[int]
    NETWORK_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    charge_id: str
    amount: int
    currency: str
    authorization_code: str
    network_transaction_id: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, charge_id: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., authorization_code: _Optional[str] = ..., network_transaction_id: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PaymentDeclined(_message.Message):
    __slots__ = ("charge_id", "failure_code", "decline_code", "failure_message", "network_transaction_id")
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    FAILURE_CODE_FIELD_NUMBER: _ClassVar[int]
    DECLINE_CODE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NETWORK_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    charge_id: str
    failure_code: str
    decline_code: str
    failure_message: str
    network_transaction_id: str
    def __init__(self, charge_id: _Optional[str] = ..., failure_code: _Optional[str] = ..., decline_code: _Optional[str] = ..., failure_message: _Optional[str] = ..., network_transaction_id: _Optional[str] = ...) -> None: ...

class PaymentCaptured(_message.Message):
    __slots__ = ("charge_id", "captured_amount", "currency", "processing_fees", "net_amount", "settlement_date", "released_amount", "balance_transaction_id")
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    CAPTURED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_FEES_FIELD_NUMBER: _ClassVar[int]
    NET_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    SETTLEMENT_DATE_FIELD_NUMBER: _ClassVar[int]
    RELEASED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    BALANCE_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    charge_id: str
    captured_amount: int
    currency: str
    processing_fees: int
    net_amount: int
    settlement_date: _timestamp_pb2.Timestamp
    released_amount: int
    balance_transaction_id: str
    def __init__(self, charge_id: _Optional[str] = ..., captured_amount: _Optional[int] = ..., currency: _Optional[str] = ..., processing_fees: _Optional[int] = ..., net_amount: _Optional[int] = ..., settlement_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., released_amount: _Optional[int] = ..., balance_transaction_id: _Optional[str] = ...) -> None: ...

class AuthorizationExpired(_message.Message):
    __slots__ = ("charge_id", "amount", "currency")
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    charge_id: str
    amount: int
    currency: str
    def __init__(self, charge_id: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class RefundCreated(_message.Message):
    __slots__ = ("refund_id", "charge_id", "amount", "currency", "reason", "metadata", "balance_transaction_id", "payment_intent")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    REFUND_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    BALANCE_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    refund_id: str
    charge_id: str
    amount: int
    currency: str
    reason: str
    metadata: _containers.ScalarMap[str, str]
    balance_transaction_id: str
    payment_intent: str
    def __init__(self, refund_id: _Optional[str] = ..., charge_id: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., reason: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., balance_transaction_id: _Optional[str] = ..., payment_intent: _Optional[str] = ...) -> None: ...

class ChargeUpdated(_message.Message):
    __slots__ = ("charge_id", "description", "metadata", "description_set")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_SET_FIELD_NUMBER: _ClassVar[int]
    charge_id: str
    description: str
    metadata: _containers.ScalarMap[str, str]
    description_set: bool
    def __init__(self, charge_id: _Optional[str] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., description_set: _Optional[bool] = ...) -> None: ...

class AuthorizationIncremented(_message.Message):
    __slots__ = ("charge_id", "amount", "previous_amount", "currency")
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    charge_id: str
    amount: int
    previous_amount: int
    currency: str
    def __init__(self, charge_id: _Optional[str] = ..., amount: _Optional[int] = ..., previous_amount: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...
