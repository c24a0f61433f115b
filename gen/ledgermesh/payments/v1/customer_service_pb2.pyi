from ledgermesh.payments.v1 import customer_pb2 as _customer_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CustomerFields(_message.Message):
    __slots__ = ("email", "name", "phone", "description", "address", "metadata", "default_payment_method", "default_source")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_SOURCE_FIELD_NUMBER: _ClassVar[int]
    email: str
    name: str
    phone: str
    description: str
    address: _customer_pb2.Address
    metadata: _containers.ScalarMap[str, str]
    default_payment_method: str
    default_source: str
    def __init__(self, email: _Optional[str] = ..., name: _Optional[str] = ..., phone: _Optional[str] = ..., description: _Optional[str] = ..., address: _Optional[_Union[_customer_pb2.Address, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., default_payment_method: _Optional[str] = ..., default_source: _Optional[str] = ...) -> None: ...

class CreateCustomerRequest(_message.Message):
    __slots__ = ("fields", "idempotency_key", "payment_method")
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    fields: CustomerFields
    idempotency_key: str
    payment_method: str
    def __init__(self, fields: _Optional[_Union[CustomerFields, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., payment_method: _Optional[str] = ...) -> None: ...

class CreateCustomerResponse(_message.Message):
    __slots__ = ("customer", "global_position")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    global_position: int
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class UpdateCustomerRequest(_message.Message):
    __slots__ = ("customer_id", "fields", "idempotency_key")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    fields: CustomerFields
    idempotency_key: str
    def __init__(self, customer_id: _Optional[str] = ..., fields: _Optional[_Union[CustomerFields, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class UpdateCustomerResponse(_message.Message):
    __slots__ = ("customer", "global_position")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    global_position: int
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class DeleteCustomerRequest(_message.Message):
    __slots__ = ("customer_id", "idempotency_key")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    idempotency_key: str
    def __init__(self, customer_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class DeleteCustomerResponse(_message.Message):
    __slots__ = ("customer", "global_position")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    global_position: int
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class CardInput(_message.Message):
    __slots__ = ("number", "exp_month", "exp_year", "token")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXP_MONTH_FIELD_NUMBER: _ClassVar[int]
    EXP_YEAR_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    number: str
    exp_month: int
    exp_year: int
    token: str
    def __init__(self, number: _Optional[str] = ..., exp_month: _Optional[int] = ..., exp_year: _Optional[int] = ..., token: _Optional[str] = ...) -> None: ...

class CreatePaymentMethodRequest(_message.Message):
    __slots__ = ("type", "card", "billing_details", "metadata", "idempotency_key", "customer", "as_source")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CARD_FIELD_NUMBER: _ClassVar[int]
    BILLING_DETAILS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    AS_SOURCE_FIELD_NUMBER: _ClassVar[int]
    type: str
    card: CardInput
    billing_details: _customer_pb2.BillingDetails
    metadata: _containers.ScalarMap[str, str]
    idempotency_key: str
    customer: str
    as_source: bool
    def __init__(self, type: _Optional[str] = ..., card: _Optional[_Union[CardInput, _Mapping]] = ..., billing_details: _Optional[_Union[_customer_pb2.BillingDetails, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ..., customer: _Optional[str] = ..., as_source: _Optional[bool] = ...) -> None: ...

class CreatePaymentMethodResponse(_message.Message):
    __slots__ = ("payment_method", "global_position")
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    payment_method: _customer_pb2.PaymentMethod
    global_position: int
    def __init__(self, payment_method: _Optional[_Union[_customer_pb2.PaymentMethod, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class UpdatePaymentMethodRequest(_message.Message):
    __slots__ = ("payment_method_id", "metadata", "exp_month", "exp_year", "billing_name", "billing_email", "idempotency_key")
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
    BILLING_EMAIL_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    payment_method_id: str
    metadata: _containers.ScalarMap[str, str]
    exp_month: int
    exp_year: int
    billing_name: str
    billing_email: str
    idempotency_key: str
    def __init__(self, payment_method_id: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., exp_month: _Optional[int] = ..., exp_year: _Optional[int] = ..., billing_name: _Optional[str] = ..., billing_email: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class UpdatePaymentMethodResponse(_message.Message):
    __slots__ = ("payment_method", "global_position")
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    payment_method: _customer_pb2.PaymentMethod
    global_position: int
    def __init__(self, payment_method: _Optional[_Union[_customer_pb2.PaymentMethod, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class AttachPaymentMethodRequest(_message.Message):
    __slots__ = ("payment_method_id", "customer", "idempotency_key")
    PAYMENT_METHOD_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    payment_method_id: str
    customer: str
    idempotency_key: str
    def __init__(self, payment_method_id: _Optional[str] = ..., customer: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class AttachPaymentMethodResponse(_message.Message):
    __slots__ = ("payment_method", "global_position")
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    payment_method: _customer_pb2.PaymentMethod
    global_position: int
    def __init__(self, payment_method: _Optional[_Union[_customer_pb2.PaymentMethod, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class DetachPaymentMethodRequest(_message.Message):
    __slots__ = ("payment_method_id", "idempotency_key")
    PAYMENT_METHOD_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    payment_method_id: str
    idempotency_key: str
    def __init__(self, payment_method_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class DetachPaymentMethodResponse(_message.Message):
    __slots__ = ("payment_method", "global_position")
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    payment_method: _customer_pb2.PaymentMethod
    global_position: int
    def __init__(self, payment_method: _Optional[_Union[_customer_pb2.PaymentMethod, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...
