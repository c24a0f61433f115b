import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from ledgermesh.payments.v1 import charge_pb2 as _charge_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Address(_message.Message):
    __slots__ = ("city", "country", "line1", "line2", "postal_code", "state")
    CITY_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    LINE1_FIELD_NUMBER: _ClassVar[int]
    LINE2_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    city: str
    country: str
    line1: str
    line2: str
    postal_code: str
    state: str
    def __init__(self, city: _Optional[str] = ..., country: _Optional[str] = ..., line1: _Optional[str] = ..., line2: _Optional[str] = ..., postal_code: _Optional[str] = ..., state: _Optional[str] = ...) -> None: ...

class Customer(_message.Message):
    __slots__ = ("id", "account_id", "email", "name", "phone", "description", "address", "metadata", "default_payment_method", "default_source", "created", "deleted", "position")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_SOURCE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    id: str
    account_id: str
    email: str
    name: str
    phone: str
    description: str
    address: Address
    metadata: _containers.ScalarMap[str, str]
    default_payment_method: str
    default_source: str
    created: _timestamp_pb2.Timestamp
    deleted: bool
    position: int
    def __init__(self, id: _Optional[str] = ..., account_id: _Optional[str] = ..., email: _Optional[str] = ..., name: _Optional[str] = ..., phone: _Optional[str] = ..., description: _Optional[str] = ..., address: _Optional[_Union[Address, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., default_payment_method: _Optional[str] = ..., default_source: _Optional[str] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deleted: _Optional[bool] = ..., position: _Optional[int] = ...) -> None: ...

class BillingDetails(_message.Message):
    __slots__ = ("name", "email", "phone", "address")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    name: str
    email: str
    phone: str
    address: Address
    def __init__(self, name: _Optional[str] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ..., address: _Optional[_Union[Address, _Mapping]] = ...) -> None: ...

class PaymentMethod(_message.Message):
    __slots__ = ("id", "account_id", "type", "card", "customer", "billing_details", "metadata", "created", "position", "source_id")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CARD_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    BILLING_DETAILS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    account_id: str
    type: str
    card: _charge_pb2.CardDetails
    customer: str
    billing_details: BillingDetails
    metadata: _containers.ScalarMap[str, str]
    created: _timestamp_pb2.Timestamp
    position: int
    source_id: str
    def __init__(self, id: _Optional[str] = ..., account_id: _Optional[str] = ..., type: _Optional[str] = ..., card: _Optional[_Union[_charge_pb2.CardDetails, _Mapping]] = ..., customer: _Optional[str] = ..., billing_details: _Optional[_Union[BillingDetails, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., position: _Optional[int] = ..., source_id: _Optional[str] = ...) -> None: ...

class PaymentError(_message.Message):
    __slots__ = ("type", "code", "decline_code", "message", "payment_method", "charge")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    DECLINE_CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    CHARGE_FIELD_NUMBER: _ClassVar[int]
    type: str
    code: str
    decline_code: str
    message: str
    payment_method: str
    charge: str
    def __init__(self, type: _Optional[str] = ..., code: _Optional[str] = ..., decline_code: _Optional[str] = ..., message: _Optional[str] = ..., payment_method: _Optional[str] = ..., charge: _Optional[str] = ...) -> None: ...

class PaymentIntent(_message.Message):
    __slots__ = ("id", "account_id", "amount", "currency", "status", "capture_method", "customer", "payment_method", "description", "metadata", "statement_descriptor", "setup_future_usage", "receipt_email", "client_secret", "latest_charge", "amount_capturable", "amount_received", "cancellation_reason", "canceled_at", "last_payment_error", "next_action_path", "return_url", "created", "position")
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
    CAPTURE_METHOD_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_DESCRIPTOR_FIELD_NUMBER: _ClassVar[int]
    SETUP_FUTURE_USAGE_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_EMAIL_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    LATEST_CHARGE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_CAPTURABLE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_REASON_FIELD_NUMBER: _ClassVar[int]
    CANCELED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_PAYMENT_ERROR_FIELD_NUMBER: _ClassVar[int]
    NEXT_ACTION_PATH_FIELD_NUMBER: _ClassVar[int]
    RETURN_URL_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    id: str
    account_id: str
    amount: int
    currency: str
    status: str
    capture_method: str
    customer: str
    payment_method: str
    description: str
    metadata: _containers.ScalarMap[str, str]
    statement_descriptor: str
    setup_future_usage: str
    receipt_email: str
    client_secret: str
    latest_charge: str
    amount_capturable: int
    amount_received: int
    cancellation_reason: str
    canceled_at: _timestamp_pb2.Timestamp
    last_payment_error: PaymentError
    next_action_path: str
    return_url: str
    created: _timestamp_pb2.Timestamp
    position: int
    def __init__(self, id: _Optional[str] = ..., account_id: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., status: _Optional[str] = ..., capture_method: _Optional[str] = ..., customer: _Optional[str] = ..., payment_method: _Optional[str] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., statement_descriptor: _Optional[str] = ..., setup_future_usage: _Optional[str] = ..., receipt_email: _Optional[str] = ..., client_secret: _Optional[str] = ..., latest_charge: _Optional[str] = ..., amount_capturable: _Optional[int] = ..., amount_received: _Optional[int] = ..., cancellation_reason: _Optional[str] = ..., canceled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_payment_error: _Optional[_Union[PaymentError, _Mapping]] = ..., next_action_path: _Optional[str] = ..., return_url: _Optional[str] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., position: _Optional[int] = ...) -> None: ...

class SetupIntent(_message.Message):
    __slots__ = ("id", "account_id", "status", "customer", "payment_method", "usage", "description", "metadata", "client_secret", "last_setup_error", "next_action_path", "cancellation_reason", "created", "position", "return_url")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    LAST_SETUP_ERROR_FIELD_NUMBER: _ClassVar[int]
    NEXT_ACTION_PATH_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    RETURN_URL_FIELD_NUMBER: _ClassVar[int]
    id: str
    account_id: str
    status: str
    customer: str
    payment_method: str
    usage: str
    description: str
    metadata: _containers.ScalarMap[str, str]
    client_secret: str
    last_setup_error: PaymentError
    next_action_path: str
    cancellation_reason: str
    created: _timestamp_pb2.Timestamp
    position: int
    return_url: str
    def __init__(self, id: _Optional[str] = ..., account_id: _Optional[str] = ..., status: _Optional[str] = ..., customer: _Optional[str] = ..., payment_method: _Optional[str] = ..., usage: _Optional[str] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., client_secret: _Optional[str] = ..., last_setup_error: _Optional[_Union[PaymentError, _Mapping]] = ..., next_action_path: _Optional[str] = ..., cancellation_reason: _Optional[str] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., position: _Optional[int] = ..., return_url: _Optional[str] = ...) -> None: ...
