import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Requirements(_message.Message):
    __slots__ = ("currently_due", "eventually_due", "past_due", "current_deadline", "disabled_reason")
    CURRENTLY_DUE_FIELD_NUMBER: _ClassVar[int]
    EVENTUALLY_DUE_FIELD_NUMBER: _ClassVar[int]
    PAST_DUE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    DISABLED_REASON_FIELD_NUMBER: _ClassVar[int]
    currently_due: _containers.RepeatedScalarFieldContainer[str]
    eventually_due: _containers.RepeatedScalarFieldContainer[str]
    past_due: _containers.RepeatedScalarFieldContainer[str]
    current_deadline: _timestamp_pb2.Timestamp
    disabled_reason: str
    def __init__(self, currently_due: _Optional[_Iterable[str]] = ..., eventually_due: _Optional[_Iterable[str]] = ..., past_due: _Optional[_Iterable[str]] = ..., current_deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., disabled_reason: _Optional[str] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("id", "email", "country", "default_currency", "business_name", "verification_status", "charges_enabled", "payouts_enabled", "requirements", "capabilities", "risk_level", "fee_percent_bps", "fee_fixed", "metadata", "created", "version")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_NAME_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    CHARGES_ENABLED_FIELD_NUMBER: _ClassVar[int]
    PAYOUTS_ENABLED_FIELD_NUMBER: _ClassVar[int]
    REQUIREMENTS_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    RISK_LEVEL_FIELD_NUMBER: _ClassVar[int]
    FEE_PERCENT_BPS_FIELD_NUMBER: _ClassVar[int]
    FEE_FIXED_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    email: str
    country: str
    default_currency: str
    business_name: str
    verification_status: str
    charges_enabled: bool
    payouts_enabled: bool
    requirements: Requirements
    capabilities: _containers.RepeatedScalarFieldContainer[str]
    risk_level: str
    fee_percent_bps: int
    fee_fixed: int
    metadata: _containers.ScalarMap[str, str]
    created: _timestamp_pb2.Timestamp
    version: int
    def __init__(self, id: _Optional[str] = ..., email: _Optional[str] = ..., country: _Optional[str] = ..., default_currency: _Optional[str] = ..., business_name: _Optional[str] = ..., verification_status: _Optional[str] = ..., charges_enabled: _Optional[bool] = ..., payouts_enabled: _Optional[bool] = ..., requirements: _Optional[_Union[Requirements, _Mapping]] = ..., capabilities: _Optional[_Iterable[str]] = ..., risk_level: _Optional[str] = ..., fee_percent_bps: _Optional[int] = ..., fee_fixed: _Optional[int] = ..., metadata: _Optional[_Mapping[str, str]] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class Payout(_message.Message):
    __slots__ = ("id", "account_id", "amount", "currency", "status", "destination", "arrival_date", "created", "description", "metadata", "balance_transaction", "position")
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
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_DATE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    BALANCE_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    id: str
    account_id: str
    amount: int
    currency: str
    status: str
    destination: str
    arrival_date: _timestamp_pb2.Timestamp
    created: _timestamp_pb2.Timestamp
    description: str
    metadata: _containers.ScalarMap[str, str]
    balance_transaction: str
    position: int
    def __init__(self, id: _Optional[str] = ..., account_id: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., status: _Optional[str] = ..., destination: _Optional[str] = ..., arrival_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., balance_transaction: _Optional[str] = ..., position: _Optional[int] = ...) -> None: ...

class BalanceAmount(_message.Message):
    __slots__ = ("amount", "currency")
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    amount: int
    currency: str
    def __init__(self, amount: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class Balance(_message.Message):
    __slots__ = ("available", "pending", "reserved")
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FIELD_NUMBER: _ClassVar[int]
    available: _containers.RepeatedCompositeFieldContainer[BalanceAmount]
    pending: _containers.RepeatedCompositeFieldContainer[BalanceAmount]
    reserved: _containers.RepeatedCompositeFieldContainer[BalanceAmount]
    def __init__(self, available: _Optional[_Iterable[_Union[BalanceAmount, _Mapping]]] = ..., pending: _Optional[_Iterable[_Union[BalanceAmount, _Mapping]]] = ..., reserved: _Optional[_Iterable[_Union[BalanceAmount, _Mapping]]] = ...) -> None: ...

class BalanceTransaction(_message.Message):
    __slots__ = ("id", "account_id", "amount", "fee", "net", "currency", "type", "source", "status", "available_on", "created", "description", "reporting_category", "position")
    ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    FEE_FIELD_NUMBER: _ClassVar[int]
    NET_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_ON_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REPORTING_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    id: str
    account_id: str
    amount: int
    fee: int
    net: int
    currency: str
    type: str
    source: str
    status: str
    available_on: _timestamp_pb2.Timestamp
    created: _timestamp_pb2.Timestamp
    description: str
    reporting_category: str
    position: int
    def __init__(self, id: _Optional[str] = ..., account_id: _Optional[str] = ..., amount: _Optional[int] = ..., fee: _Optional[int] = ..., net: _Optional[int] = ..., currency: _Optional[str] = ..., type: _Optional[str] = ..., source: _Optional[str] = ..., status: _Optional[str] = ..., available_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., description: _Optional[str] = ..., reporting_category: _Optional[str] = ..., position: _Optional[int] = ...) -> None: ...

class WebhookEndpoint(_message.Message):
    __slots__ = ("id", "account_id", "url", "enabled_events", "status", "secret", "description", "metadata", "created")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    ENABLED_EVENTS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    id: str
    account_id: str
    url: str
    enabled_events: _containers.RepeatedScalarFieldContainer[str]
    status: str
    secret: str
    description: str
    metadata: _containers.ScalarMap[str, str]
    created: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., account_id: _Optional[str] = ..., url: _Optional[str] = ..., enabled_events: _Optional[_Iterable[str]] = ..., status: _Optional[str] = ..., secret: _Optional[str] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
