from ledgermesh.payments.v1 import customer_pb2 as _customer_pb2
from ledgermesh.query.v1 import query_service_pb2 as _query_service_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetCustomerRequest(_message.Message):
    __slots__ = ("customer_id", "min_position")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    min_position: int
    def __init__(self, customer_id: _Optional[str] = ..., min_position: _Optional[int] = ...) -> None: ...

class GetCustomerResponse(_message.Message):
    __slots__ = ("customer",)
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    customer: _customer_pb2.Customer
    def __init__(self, customer: _Optional[_Union[_customer_pb2.Customer, _Mapping]] = ...) -> None: ...

class ListCustomersRequest(_message.Message):
    __slots__ = ("page", "email")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    page: _query_service_pb2.Page
    email: str
    def __init__(self, page: _Optional[_Union[_query_service_pb2.Page, _Mapping]] = ..., email: _Optional[str] = ...) -> None: ...

class ListCustomersResponse(_message.Message):
    __slots__ = ("customers", "has_more")
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[_customer_pb2.Customer]
    has_more: bool
    def __init__(self, customers: _Optional[_Iterable[_Union[_customer_pb2.Customer, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class GetPaymentMethodRequest(_message.Message):
    __slots__ = ("payment_method_id", "min_position")
    PAYMENT_METHOD_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    payment_method_id: str
    min_position: int
    def __init__(self, payment_method_id: _Optional[str] = ..., min_position: _Optional[int] = ...) -> None: ...

class GetPaymentMethodResponse(_message.Message):
    __slots__ = ("payment_method",)
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    payment_method: _customer_pb2.PaymentMethod
    def __init__(self, payment_method: _Optional[_Union[_customer_pb2.PaymentMethod, _Mapping]] = ...) -> None: ...

class ListPaymentMethodsRequest(_message.Message):
    __slots__ = ("page", "customer", "type")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    page: _query_service_pb2.Page
    customer: str
    type: str
    def __init__(self, page: _Optional[_Union[_query_service_pb2.Page, _Mapping]] = ..., customer: _Optional[str] = ..., type: _Optional[str] = ...) -> None: ...

class ListPaymentMethodsResponse(_message.Message):
    __slots__ = ("payment_methods", "has_more")
    PAYMENT_METHODS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    payment_methods: _containers.RepeatedCompositeFieldContainer[_customer_pb2.PaymentMethod]
    has_more: bool
    def __init__(self, payment_methods: _Optional[_Iterable[_Union[_customer_pb2.PaymentMethod, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class GetPaymentIntentRequest(_message.Message):
    __slots__ = ("payment_intent_id", "min_position")
    PAYMENT_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    payment_intent_id: str
    min_position: int
    def __init__(self, payment_intent_id: _Optional[str] = ..., min_position: _Optional[int] = ...) -> None: ...

class GetPaymentIntentResponse(_message.Message):
    __slots__ = ("payment_intent",)
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    payment_intent: _customer_pb2.PaymentIntent
    def __init__(self, payment_intent: _Optional[_Union[_customer_pb2.PaymentIntent, _Mapping]] = ...) -> None: ...

class ListPaymentIntentsRequest(_message.Message):
    __slots__ = ("page", "customer")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    page: _query_service_pb2.Page
    customer: str
    def __init__(self, page: _Optional[_Union[_query_service_pb2.Page, _Mapping]] = ..., customer: _Optional[str] = ...) -> None: ...

class ListPaymentIntentsResponse(_message.Message):
    __slots__ = ("payment_intents", "has_more")
    PAYMENT_INTENTS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    payment_intents: _containers.RepeatedCompositeFieldContainer[_customer_pb2.PaymentIntent]
    has_more: bool
    def __init__(self, payment_intents: _Optional[_Iterable[_Union[_customer_pb2.PaymentIntent, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class GetSetupIntentRequest(_message.Message):
    __slots__ = ("setup_intent_id", "min_position")
    SETUP_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    setup_intent_id: str
    min_position: int
    def __init__(self, setup_intent_id: _Optional[str] = ..., min_position: _Optional[int] = ...) -> None: ...

class GetSetupIntentResponse(_message.Message):
    __slots__ = ("setup_intent",)
    SETUP_INTENT_FIELD_NUMBER: _ClassVar[int]
    setup_intent: _customer_pb2.SetupIntent
    def __init__(self, setup_intent: _Optional[_Union[_customer_pb2.SetupIntent, _Mapping]] = ...) -> None: ...

class ListSetupIntentsRequest(_message.Message):
    __slots__ = ("page", "customer")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    page: _query_service_pb2.Page
    customer: str
    def __init__(self, page: _Optional[_Union[_query_service_pb2.Page, _Mapping]] = ..., customer: _Optional[str] = ...) -> None: ...

class ListSetupIntentsResponse(_message.Message):
    __slots__ = ("setup_intents", "has_more")
    SETUP_INTENTS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    setup_intents: _containers.RepeatedCompositeFieldContainer[_customer_pb2.SetupIntent]
    has_more: bool
    def __init__(self, setup_intents: _Optional[_Iterable[_Union[_customer_pb2.SetupIntent, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...
