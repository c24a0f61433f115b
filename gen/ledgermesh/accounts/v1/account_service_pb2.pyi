import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
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

class IdentityAddress(_message.Message):
    __slots__ = ("line1", "line2", "city", "state", "postal_code", "country")
    LINE1_FIELD_NUMBER: _ClassVar[int]
    LINE2_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    line1: str
    line2: str
    city: str
    state: str
    postal_code: str
    country: str
    def __init__(self, line1: _Optional[str] = ..., line2: _Optional[str] = ..., city: _Optional[str] = ..., state: _Optional[str] = ..., postal_code: _Optional[str] = ..., country: _Optional[str] = ...) -> None: ...

class IndividualIdentity(_message.Message):
    __slots__ = ("first_name", "last_name", "dob_day", "dob_month", "dob_year", "id_number", "ssn_last_4", "address", "email", "phone")
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    DOB_DAY_FIELD_NUMBER: _ClassVar[int]
    DOB_MONTH_FIELD_NUMBER: _ClassVar[int]
    DOB_YEAR_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    SSN_LAST_4_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    first_name: str
    last_name: str
    dob_day: int
    dob_month: int
    dob_year: int
    id_number: str
    ssn_last_4: str
    address: IdentityAddress
    email: str
    phone: str
    def __init__(self, first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., dob_day: _Optional[int] = ..., dob_month: _Optional[int] = ..., dob_year: _Optional[int] = ..., id_number: _Optional[str] = ..., ssn_last_4: _Optional[str] = ..., address: _Optional[_Union[IdentityAddress, _Mapping]] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ...) -> None: ...

class CompanyIdentity(_message.Message):
    __slots__ = ("name", "tax_id", "address", "phone")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TAX_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    name: str
    tax_id: str
    address: IdentityAddress
    phone: str
    def __init__(self, name: _Optional[str] = ..., tax_id: _Optional[str] = ..., address: _Optional[_Union[IdentityAddress, _Mapping]] = ..., phone: _Optional[str] = ...) -> None: ...

class TosAcceptance(_message.Message):
    __slots__ = ("date", "ip", "user_agent")
    DATE_FIELD_NUMBER: _ClassVar[int]
    IP_FIELD_NUMBER: _ClassVar[int]
    USER_AGENT_FIELD_NUMBER: _ClassVar[int]
    date: int
    ip: str
    user_agent: str
    def __init__(self, date: _Optional[int] = ..., ip: _Optional[str] = ..., user_agent: _Optional[str] = ...) -> None: ...

class SubmitIdentityRequest(_message.Message):
    __slots__ = ("account_id", "business_type", "individual", "company", "tos_acceptance", "idempotency_key")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_TYPE_FIELD_NUMBER: _ClassVar[int]
    INDIVIDUAL_FIELD_NUMBER: _ClassVar[int]
    COMPANY_FIELD_NUMBER: _ClassVar[int]
    TOS_ACCEPTANCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    business_type: str
    individual: IndividualIdentity
    company: CompanyIdentity
    tos_acceptance: TosAcceptance
    idempotency_key: str
    def __init__(self, account_id: _Optional[str] = ..., business_type: _Optional[str] = ..., individual: _Optional[_Union[IndividualIdentity, _Mapping]] = ..., company: _Optional[_Union[CompanyIdentity, _Mapping]] = ..., tos_acceptance: _Optional[_Union[TosAcceptance, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SubmitIdentityResponse(_message.Message):
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

class GetBalanceAsOfRequest(_message.Message):
    __slots__ = ("time", "position")
    TIME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    time: _timestamp_pb2.Timestamp
    position: int
    def __init__(self, time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., position: _Optional[int] = ...) -> None: ...

class GetBalanceAsOfResponse(_message.Message):
    __slots__ = ("balance", "entries", "last_position")
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    LAST_POSITION_FIELD_NUMBER: _ClassVar[int]
    balance: _account_pb2.Balance
    entries: int
    last_position: int
    def __init__(self, balance: _Optional[_Union[_account_pb2.Balance, _Mapping]] = ..., entries: _Optional[int] = ..., last_position: _Optional[int] = ...) -> None: ...
