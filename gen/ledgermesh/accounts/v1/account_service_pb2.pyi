from ledgermesh.accounts.v1 import account_pb2 as _account_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateAccountRequest(_message.Message):
    __slots__ = ("email", "country", "default_currency", "business_name", "fee_percent_bps", "fee_fixed", "metadata", "idempotency_key")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_NAME_FIELD_NUMBER: _ClassVar[int]
    FEE_PERCENT_BPS_FIELD_NUMBER: _ClassVar[int]
    FEE_FIXED_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    email: str
    country: str
    default_currency: str
    business_name: str
    fee_percent_bps: int
    fee_fixed: int
    metadata: _containers.ScalarMap[str, str]
    idempotency_key: str
    def __init__(self, email: _Optional[str] = ..., country: _Optional[str] = ..., default_currency: _Optional[str] = ..., business_name: _Optional[str] = ..., fee_percent_bps: _Optional[int] = ..., fee_fixed: _Optional[int] = ..., metadata: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateAccountResponse(_message.Message):
    __slots__ = ("account", "secret_key", "global_position")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    SECRET_KEY_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    secret_key: str
    global_position: int
    def __init__(self, account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ..., secret_key: _Optional[str] = ..., global_position: _Optional[int] = ...) -> None: ...

class StartKycRequest(_message.Message):
    __slots__ = ("account_id", "verification_level", "required_documents", "idempotency_key")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    verification_level: str
    required_documents: _containers.RepeatedScalarFieldContainer[str]
    idempotency_key: str
    def __init__(self, account_id: _Optional[str] = ..., verification_level: _Optional[str] = ..., required_documents: _Optional[_Iterable[str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class StartKycResponse(_message.Message):
    __slots__ = ("account", "global_position")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    global_position: int
    def __init__(self, account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class CompleteKycRequest(_message.Message):
    __slots__ = ("account_id", "verification_status", "approved_capabilities", "risk_level", "idempotency_key")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    APPROVED_CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    RISK_LEVEL_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    verification_status: str
    approved_capabilities: _containers.RepeatedScalarFieldContainer[str]
    risk_level: str
    idempotency_key: str
    def __init__(self, account_id: _Optional[str] = ..., verification_status: _Optional[str] = ..., approved_capabilities: _Optional[_Iterable[str]] = ..., risk_level: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CompleteKycResponse(_message.Message):
    __slots__ = ("account", "global_position")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    global_position: int
    def __init__(self, account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class CreatePayoutRequest(_message.Message):
    __slots__ = ("amount", "currency", "destination", "description", "metadata", "idempotency_key")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    amount: int
    currency: str
    destination: str
    description: str
    metadata: _containers.ScalarMap[str, str]
    idempotency_key: str
    def __init__(self, amount: _Optional[int] = ..., currency: _Optional[str] = ..., destination: _Optional[str] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreatePayoutResponse(_message.Message):
    __slots__ = ("payout", "global_position")
    PAYOUT_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    payout: _account_pb2.Payout
    global_position: int
    def __init__(self, payout: _Optional[_Union[_account_pb2.Payout, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class SettleFundsRequest(_message.Message):
    __slots__ = ("currency",)
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    currency: str
    def __init__(self, currency: _Optional[str] = ...) -> None: ...

class SettleFundsResponse(_message.Message):
    __slots__ = ("settled", "global_position")
    SETTLED_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    settled: _containers.RepeatedCompositeFieldContainer[_account_pb2.BalanceAmount]
    global_position: int
    def __init__(self, settled: _Optional[_Iterable[_Union[_account_pb2.BalanceAmount, _Mapping]]] = ..., global_position: _Optional[int] = ...) -> None: ...

class CreateWebhookEndpointRequest(_message.Message):
    __slots__ = ("url", "enabled_events", "description", "metadata", "idempotency_key")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    URL_FIELD_NUMBER: _ClassVar[int]
    ENABLED_EVENTS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    url: str
    enabled_events: _containers.RepeatedScalarFieldContainer[str]
    description: str
    metadata: _containers.ScalarMap[str, str]
    idempotency_key: str
    def __init__(self, url: _Optional[str] = ..., enabled_events: _Optional[_Iterable[str]] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateWebhookEndpointResponse(_message.Message):
    __slots__ = ("webhook_endpoint",)
    WEBHOOK_ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    webhook_endpoint: _account_pb2.WebhookEndpoint
    def __init__(self, webhook_endpoint: _Optional[_Union[_account_pb2.WebhookEndpoint, _Mapping]] = ...) -> None: ...

class UpdateWebhookEndpointRequest(_message.Message):
    __slots__ = ("id", "url", "enabled_events", "disabled", "description")
    ID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    ENABLED_EVENTS_FIELD_NUMBER: _ClassVar[int]
    DISABLED_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    id: str
    url: str
    enabled_events: _containers.RepeatedScalarFieldContainer[str]
    disabled: bool
    description: str
    def __init__(self, id: _Optional[str] = ..., url: _Optional[str] = ..., enabled_events: _Optional[_Iterable[str]] = ..., disabled: _Optional[bool] = ..., description: _Optional[str] = ...) -> None: ...

class UpdateWebhookEndpointResponse(_message.Message):
    __slots__ = ("webhook_endpoint",)
    WEBHOOK_ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    webhook_endpoint: _account_pb2.WebhookEndpoint
    def __init__(self, webhook_endpoint: _Optional[_Union[_account_pb2.WebhookEndpoint, _Mapping]] = ...) -> None: ...

class DeleteWebhookEndpointRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteWebhookEndpointResponse(_message.Message):
    __slots__ = ("id", "deleted")
    ID_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    id: str
    deleted: bool
    def __init__(self, id: _Optional[str] = ..., deleted: _Optional[bool] = ...) -> None: ...

class GetWebhookEndpointRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetWebhookEndpointResponse(_message.Message):
    __slots__ = ("webhook_endpoint",)
    WEBHOOK_ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    webhook_endpoint: _account_pb2.WebhookEndpoint
    def __init__(self, webhook_endpoint: _Optional[_Union[_account_pb2.WebhookEndpoint, _Mapping]] = ...) -> None: ...

class ListWebhookEndpointsRequest(_message.Message):
    __slots__ = ("limit", "starting_after", "ending_before")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    STARTING_AFTER_FIELD_NUMBER: _ClassVar[int]
    ENDING_BEFORE_FIELD_NUMBER: _ClassVar[int]
    limit: int
    starting_after: str
    ending_before: str
    def __init__(self, limit: _Optional[int] = ..., starting_after: _Optional[str] = ..., ending_before: _Optional[str] = ...) -> None: ...

class ListWebhookEndpointsResponse(_message.Message):
    __slots__ = ("webhook_endpoints", "has_more")
    WEBHOOK_ENDPOINTS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    webhook_endpoints: _containers.RepeatedCompositeFieldContainer[_account_pb2.WebhookEndpoint]
    has_more: bool
    def __init__(self, webhook_endpoints: _Optional[_Iterable[_Union[_account_pb2.WebhookEndpoint, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...
