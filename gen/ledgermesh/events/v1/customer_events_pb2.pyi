from ledgermesh.events.v1 import payment_events_pb2 as _payment_events_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CustomerAddress(_message.Message):
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

class CustomerCreated(_message.Message):
    __slots__ = ("customer_id", "email", "name", "phone", "description", "address", "address_set", "metadata", "default_payment_method", "merchant_id")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_SET_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    MERCHANT_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    email: str
    name: str
    phone: str
    description: str
    address: CustomerAddress
    address_set: bool
    metadata: _containers.ScalarMap[str, str]
    default_payment_method: str
    merchant_id: str
    def __init__(self, customer_id: _Optional[str] = ..., email: _Optional[str] = ..., name: _Optional[str] = ..., phone: _Optional[str] = ..., description: _Optional[str] = ..., address: _Optional[_Union[CustomerAddress, _Mapping]] = ..., address_set: _Optional[bool] = ..., metadata: _Optional[_Mapping[str, str]] = ..., default_payment_method: _Optional[str] = ..., merchant_id: _Optional[str] = ...) -> None: ...

class CustomerUpdated(_message.Message):
    __slots__ = ("customer_id", "email", "email_set", "name", "name_set", "phone", "phone_set", "description", "description_set", "address", "address_set", "metadata", "default_payment_method", "default_payment_method_set", "default_source", "default_source_set")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    EMAIL_SET_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NAME_SET_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    PHONE_SET_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_SET_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_SET_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_PAYMENT_METHOD_SET_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_SOURCE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_SOURCE_SET_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    email: str
    email_set: bool
    name: str
    name_set: bool
    phone: str
    phone_set: bool
    description: str
    description_set: bool
    address: CustomerAddress
    address_set: bool
    metadata: _containers.ScalarMap[str, str]
    default_payment_method: str
    default_payment_method_set: bool
    default_source: str
    default_source_set: bool
    def __init__(self, customer_id: _Optional[str] = ..., email: _Optional[str] = ..., email_set: _Optional[bool] = ..., name: _Optional[str] = ..., name_set: _Optional[bool] = ..., phone: _Optional[str] = ..., phone_set: _Optional[bool] = ..., description: _Optional[str] = ..., description_set: _Optional[bool] = ..., address: _Optional[_Union[CustomerAddress, _Mapping]] = ..., address_set: _Optional[bool] = ..., metadata: _Optional[_Mapping[str, str]] = ..., default_payment_method: _Optional[str] = ..., default_payment_method_set: _Optional[bool] = ..., default_source: _Optional[str] = ..., default_source_set: _Optional[bool] = ...) -> None: ...

class CustomerDeleted(_message.Message):
    __slots__ = ("customer_id",)
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    def __init__(self, customer_id: _Optional[str] = ...) -> None: ...

class PaymentMethodCreated(_message.Message):
    __slots__ = ("payment_method_id", "type", "card", "network_token", "metadata", "billing_name", "billing_email", "billing_phone", "billing_address", "billing_address_set", "merchant_id", "customer", "source_id")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PAYMENT_METHOD_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CARD_FIELD_NUMBER: _ClassVar[int]
    NETWORK_TOKEN_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    BILLING_NAME_FIELD_NUMBER: _ClassVar[int]
    BILLING_EMAIL_FIELD_NUMBER: _ClassVar[int]
    BILLING_PHONE_FIELD_NUMBER: _ClassVar[int]
    BILLING_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    BILLING_ADDRESS_SET_FIELD_NUMBER: _ClassVar[int]
    MERCHANT_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    payment_method_id: str
    type: str
    card: _payment_events_pb2.Card
    network_token: str
    metadata: _containers.ScalarMap[str, str]
    billing_name: str
    billing_email: str
    billing_phone: str
    billing_address: CustomerAddress
    billing_address_set: bool
    merchant_id: str
    customer: str
    source_id: str
    def __init__(self, payment_method_id: _Optional[str] = ..., type: _Optional[str] = ..., card: _Optional[_Union[_payment_events_pb2.Card, _Mapping]] = ..., network_token: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., billing_name: _Optional[str] = ..., billing_email: _Optional[str] = ..., billing_phone: _Optional[str] = ..., billing_address: _Optional[_Union[CustomerAddress, _Mapping]] = ..., billing_address_set: _Optional[bool] = ..., merchant_id: _Optional[str] = ..., customer: _Optional[str] = ..., source_id: _Optional[str] = ...) -> None: ...

class PaymentMethodUpdated(_message.Message):
    __slots__ = ("payment_method_id", "metadata", "exp_month", "exp_year", "billing_name", "billing_name_set", "billing_email", "billing_email_set")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PAYMENT_METHOD_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    EXP_MONTH_FIELD_NUMBER: _ClassVar[int]
    EXP_YEAR_FIELD_NUMBER: _ClassVar[int]
    BILLING_NAME_FIELD_NUMBER: _ClassVar[int]
    BILLING_NAME_SET_FIELD_NUMBER: _ClassVar[int]
    BILLING_EMAIL_FIELD_NUMBER: _ClassVar[int]
    BILLING_EMAIL_SET_FIELD_NUMBER: _ClassVar[int]
    payment_method_id: str
    metadata: _containers.ScalarMap[str, str]
    exp_month: int
    exp_year: int
    billing_name: str
    billing_name_set: bool
    billing_email: str
    billing_email_set: bool
    def __init__(self, payment_method_id: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., exp_month: _Optional[int] = ..., exp_year: _Optional[int] = ..., billing_name: _Optional[str] = ..., billing_name_set: _Optional[bool] = ..., billing_email: _Optional[str] = ..., billing_email_set: _Optional[bool] = ...) -> None: ...

class PaymentMethodAttached(_message.Message):
    __slots__ = ("payment_method_id", "customer")
    PAYMENT_METHOD_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    payment_method_id: str
    customer: str
    def __init__(self, payment_method_id: _Optional[str] = ..., customer: _Optional[str] = ...) -> None: ...

class PaymentMethodDetached(_message.Message):
    __slots__ = ("payment_method_id", "customer")
    PAYMENT_METHOD_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    payment_method_id: str
    customer: str
    def __init__(self, payment_method_id: _Optional[str] = ..., customer: _Optional[str] = ...) -> None: ...
