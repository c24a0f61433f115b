import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AccountOnboarded(_message.Message):
    __slots__ = ("account_id", "email", "country", "default_currency", "business_name", "fee_percent_bps", "fee_fixed", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_NAME_FIELD_NUMBER: _ClassVar[int]
    FEE_PERCENT_BPS_FIELD_NUMBER: _ClassVar[int]
    FEE_FIXED_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    email: str
    country: str
    default_currency: str
    business_name: str
    fee_percent_bps: int
    fee_fixed: int
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, account_id: _Optional[str] = ..., email: _Optional[str] = ..., country: _Optional[str] = ..., default_currency: _Optional[str] = ..., business_name: _Optional[str] = ..., fee_percent_bps: _Optional[int] = ..., fee_fixed: _Optional[int] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class KYCProcessStarted(_message.Message):
    __slots__ = ("account_id", "verification_level", "required_documents", "due_date")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    verification_level: str
    required_documents: _containers.RepeatedScalarFieldContainer[str]
    due_date: _timestamp_pb2.Timestamp
    def __init__(self, account_id: _Optional[str] = ..., verification_level: _Optional[str] = ..., required_documents: _Optional[_Iterable[str]] = ..., due_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class KYCProcessCompleted(_message.Message):
    __slots__ = ("account_id", "verification_status", "approved_capabilities", "risk_level", "failed_requirements")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    APPROVED_CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    RISK_LEVEL_FIELD_NUMBER: _ClassVar[int]
    FAILED_REQUIREMENTS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    verification_status: str
    approved_capabilities: _containers.RepeatedScalarFieldContainer[str]
    risk_level: str
    failed_requirements: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, account_id: _Optional[str] = ..., verification_status: _Optional[str] = ..., approved_capabilities: _Optional[_Iterable[str]] = ..., risk_level: _Optional[str] = ..., failed_requirements: _Optional[_Iterable[str]] = ...) -> None: ...

class PayoutCreated(_message.Message):
    __slots__ = ("payout_id", "account_id", "payout_amount", "currency", "destination_account", "estimated_arrival", "description", "metadata", "balance_transaction_id")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PAYOUT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_ARRIVAL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    BALANCE_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    payout_id: str
    account_id: str
    payout_amount: int
    currency: str
    destination_account: str
    estimated_arrival: _timestamp_pb2.Timestamp
    description: str
    metadata: _containers.ScalarMap[str, str]
    balance_transaction_id: str
    def __init__(self, payout_id: _Optional[str] = ..., account_id: _Optional[str] = ..., payout_amount: _Optional[int] = ..., currency: _Optional[str] = ..., destination_account: _Optional[str] = ..., estimated_arrival: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., balance_transaction_id: _Optional[str] = ...) -> None: ...

class ApiKeyIssued(_message.Message):
    __slots__ = ("account_id", "key_hash", "key_prefix")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_HASH_FIELD_NUMBER: _ClassVar[int]
    KEY_PREFIX_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    key_hash: str
    key_prefix: str
    def __init__(self, account_id: _Optional[str] = ..., key_hash: _Optional[str] = ..., key_prefix: _Optional[str] = ...) -> None: ...
