import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChargeStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHARGE_STATUS_UNSPECIFIED: _ClassVar[ChargeStatus]
    CHARGE_STATUS_PENDING: _ClassVar[ChargeStatus]
    CHARGE_STATUS_SUCCEEDED: _ClassVar[ChargeStatus]
    CHARGE_STATUS_FAILED: _ClassVar[ChargeStatus]
CHARGE_STATUS_UNSPECIFIED: ChargeStatus
CHARGE_STATUS_PENDING: ChargeStatus
CHARGE_STATUS_SUCCEEDED: ChargeStatus
CHARGE_STATUS_FAILED: ChargeStatus

class CardDetails(_message.Message):
    __slots__ = ("brand", "last4", "country", "exp_month", "exp_year", "fingerprint", "funding")
    BRAND_FIELD_NUMBER: _ClassVar[int]
    LAST4_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    EXP_MONTH_FIELD_NUMBER: _ClassVar[int]
    EXP_YEAR_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    FUNDING_FIELD_NUMBER: _ClassVar[int]
    brand: str
    last4: str
    country: str
    exp_month: int
    exp_year: int
    fingerprint: str
    funding: str
    def __init__(self, brand: _Optional[str] = ..., last4: _Optional[str] = ..., country: _Optional[str] = ..., exp_month: _Optional[int] = ..., exp_year: _Optional[int] = ..., fingerprint: _Optional[str] = ..., funding: _Optional[str] = ...) -> None: ...

class Outcome(_message.Message):
    __slots__ = ("network_status", "reason", "risk_level", "risk_score", "seller_message", "type", "rules")
    NETWORK_STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RISK_LEVEL_FIELD_NUMBER: _ClassVar[int]
    RISK_SCORE_FIELD_NUMBER: _ClassVar[int]
    SELLER_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    network_status: str
    reason: str
    risk_level: str
    risk_score: int
    seller_message: str
    type: str
    rules: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, network_status: _Optional[str] = ..., reason: _Optional[str] = ..., risk_level: _Optional[str] = ..., risk_score: _Optional[int] = ..., seller_message: _Optional[str] = ..., type: _Optional[str] = ..., rules: _Optional[_Iterable[str]] = ...) -> None: ...

class Charge(_message.Message):
    __slots__ = ("id", "account_id", "amount", "amount_captured", "amount_refunded", "currency", "status", "captured", "paid", "refunded", "disputed", "description", "metadata", "customer", "failure_code", "failure_message", "outcome", "card", "balance_transaction", "created", "authorization_code", "network_transaction_id", "receipt_email", "statement_descriptor", "dispute", "fee", "version", "position", "authorization_expires_at", "decline_code", "source", "payment_intent", "payment_method")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_CAPTURED_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_REFUNDED_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CAPTURED_FIELD_NUMBER: _ClassVar[int]
    PAID_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_FIELD_NUMBER: _ClassVar[int]
    DISPUTED_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    FAILURE_CODE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    CARD_FIELD_NUMBER: _ClassVar[int]
    BALANCE_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATION_CODE_FIELD_NUMBER: _ClassVar[int]
    NETWORK_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_EMAIL_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_DESCRIPTOR_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_FIELD_NUMBER: _ClassVar[int]
    FEE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATION_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    DECLINE_CODE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    id: str
    account_id: str
    amount: int
    amount_captured: int
    amount_refunded: int
    currency: str
    status: ChargeStatus
    captured: bool
    paid: bool
    refunded: bool
    disputed: bool
    description: str
    metadata: _containers.ScalarMap[str, str]
    customer: str
    failure_code: str
    failure_message: str
    outcome: Outcome
    card: CardDetails
    balance_transaction: str
    created: _timestamp_pb2.Timestamp
    authorization_code: str
    network_transaction_id: str
    receipt_email: str
    statement_descriptor: str
    dispute: str
    fee: int
    version: int
    position: int
    authorization_expires_at: _timestamp_pb2.Timestamp
    decline_code: str
    source: str
    payment_intent: str
    payment_method: str
    def __init__(self, id: _Optional[str] = ..., account_id: _Optional[str] = ..., amount: _Optional[int] = ..., amount_captured: _Optional[int] = ..., amount_refunded: _Optional[int] = ..., currency: _Optional[str] = ..., status: _Optional[_Union[ChargeStatus, str]] = ..., captured: _Optional[bool] = ..., paid: _Optional[bool] = ..., refunded: _Optional[bool] = ..., disputed: _Optional[bool] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., customer: _Optional[str] = ..., failure_code: _Optional[str] = ..., failure_message: _Optional[str] = ..., outcome: _Optional[_Union[Outcome, _Mapping]] = ..., card: _Optional[_Union[CardDetails, _Mapping]] = ..., balance_transaction: _Optional[str] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., authorization_code: _Optional[str] = ..., network_transaction_id: _Optional[str] = ..., receipt_email: _Optional[str] = ..., statement_descriptor: _Optional[str] = ..., dispute: _Optional[str] = ..., fee: _Optional[int] = ..., version: _Optional[int] = ..., position: _Optional[int] = ..., authorization_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decline_code: _Optional[str] = ..., source: _Optional[str] = ..., payment_intent: _Optional[str] = ..., payment_method: _Optional[str] = ...) -> None: ...

class Refund(_message.Message):
    __slots__ = ("id", "charge_id", "amount", "currency", "reason", "status", "metadata", "created", "balance_transaction", "account_id", "position", "payment_intent")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    BALANCE_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    id: str
    charge_id: str
    amount: int
    currency: str
    reason: str
    status: str
    metadata: _containers.ScalarMap[str, str]
    created: _timestamp_pb2.Timestamp
    balance_transaction: str
    account_id: str
    position: int
    payment_intent: str
    def __init__(self, id: _Optional[str] = ..., charge_id: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., reason: _Optional[str] = ..., status: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., balance_transaction: _Optional[str] = ..., account_id: _Optional[str] = ..., position: _Optional[int] = ..., payment_intent: _Optional[str] = ...) -> None: ...
