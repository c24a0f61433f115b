from ledgermesh.payments.v1 import charge_pb2 as _charge_pb2
from ledgermesh.payments.v1 import customer_pb2 as _customer_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreatePaymentIntentRequest(_message.Message):
    __slots__ = ("amount", "currency", "capture_method", "customer", "payment_method", "description", "metadata", "statement_descriptor", "setup_future_usage", "receipt_email", "confirm", "off_session", "return_url", "idempotency_key")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_METHOD_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_DESCRIPTOR_FIELD_NUMBER: _ClassVar[int]
    SETUP_FUTURE_USAGE_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_EMAIL_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_FIELD_NUMBER: _ClassVar[int]
    OFF_SESSION_FIELD_NUMBER: _ClassVar[int]
    RETURN_URL_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    amount: int
    currency: str
    capture_method: str
    customer: str
    payment_method: str
    description: str
    metadata: _containers.ScalarMap[str, str]
    statement_descriptor: str
    setup_future_usage: str
    receipt_email: str
    confirm: bool
    off_session: bool
    return_url: str
    idempotency_key: str
    def __init__(self, amount: _Optional[int] = ..., currency: _Optional[str] = ..., capture_method: _Optional[str] = ..., customer: _Optional[str] = ..., payment_method: _Optional[str] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., statement_descriptor: _Optional[str] = ..., setup_future_usage: _Optional[str] = ..., receipt_email: _Optional[str] = ..., confirm: _Optional[bool] = ..., off_session: _Optional[bool] = ..., return_url: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class UpdatePaymentIntentRequest(_message.Message):
    __slots__ = ("payment_intent_id", "amount", "customer", "payment_method", "description", "metadata", "statement_descriptor", "setup_future_usage", "idempotency_key")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PAYMENT_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_DESCRIPTOR_FIELD_NUMBER: _ClassVar[int]
    SETUP_FUTURE_USAGE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    payment_intent_id: str
    amount: int
    customer: str
    payment_method: str
    description: str
    metadata: _containers.ScalarMap[str, str]
    statement_descriptor: str
    setup_future_usage: str
    idempotency_key: str
    def __init__(self, payment_intent_id: _Optional[str] = ..., amount: _Optional[int] = ..., customer: _Optional[str] = ..., payment_method: _Optional[str] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., statement_descriptor: _Optional[str] = ..., setup_future_usage: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ConfirmPaymentIntentRequest(_message.Message):
    __slots__ = ("payment_intent_id", "payment_method", "off_session", "return_url", "idempotency_key")
    PAYMENT_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    OFF_SESSION_FIELD_NUMBER: _ClassVar[int]
    RETURN_URL_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    payment_intent_id: str
    payment_method: str
    off_session: bool
    return_url: str
    idempotency_key: str
    def __init__(self, payment_intent_id: _Optional[str] = ..., payment_method: _Optional[str] = ..., off_session: _Optional[bool] = ..., return_url: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class AuthenticatePaymentIntentRequest(_message.Message):
    __slots__ = ("payment_intent_id", "fail", "idempotency_key")
    PAYMENT_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    FAIL_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    payment_intent_id: str
    fail: bool
    idempotency_key: str
    def __init__(self, payment_intent_id: _Optional[str] = ..., fail: _Optional[bool] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CapturePaymentIntentRequest(_message.Message):
    __slots__ = ("payment_intent_id", "amount_to_capture", "idempotency_key")
    PAYMENT_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_TO_CAPTURE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    payment_intent_id: str
    amount_to_capture: int
    idempotency_key: str
    def __init__(self, payment_intent_id: _Optional[str] = ..., amount_to_capture: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CancelPaymentIntentRequest(_message.Message):
    __slots__ = ("payment_intent_id", "cancellation_reason", "idempotency_key")
    PAYMENT_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_REASON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    payment_intent_id: str
    cancellation_reason: str
    idempotency_key: str
    def __init__(self, payment_intent_id: _Optional[str] = ..., cancellation_reason: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateSetupIntentRequest(_message.Message):
    __slots__ = ("customer", "payment_method", "usage", "description", "metadata", "confirm", "idempotency_key", "return_url")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    RETURN_URL_FIELD_NUMBER: _ClassVar[int]
    customer: str
    payment_method: str
    usage: str
    description: str
    metadata: _containers.ScalarMap[str, str]
    confirm: bool
    idempotency_key: str
    return_url: str
    def __init__(self, customer: _Optional[str] = ..., payment_method: _Optional[str] = ..., usage: _Optional[str] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., confirm: _Optional[bool] = ..., idempotency_key: _Optional[str] = ..., return_url: _Optional[str] = ...) -> None: ...

class ConfirmSetupIntentRequest(_message.Message):
    __slots__ = ("setup_intent_id", "payment_method", "idempotency_key", "return_url")
    SETUP_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    RETURN_URL_FIELD_NUMBER: _ClassVar[int]
    setup_intent_id: str
    payment_method: str
    idempotency_key: str
    return_url: str
    def __init__(self, setup_intent_id: _Optional[str] = ..., payment_method: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., return_url: _Optional[str] = ...) -> None: ...

class AuthenticateSetupIntentRequest(_message.Message):
    __slots__ = ("setup_intent_id", "fail", "idempotency_key")
    SETUP_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    FAIL_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    setup_intent_id: str
    fail: bool
    idempotency_key: str
    def __init__(self, setup_intent_id: _Optional[str] = ..., fail: _Optional[bool] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CancelSetupIntentRequest(_message.Message):
    __slots__ = ("setup_intent_id", "cancellation_reason", "idempotency_key")
    SETUP_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_REASON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    setup_intent_id: str
    cancellation_reason: str
    idempotency_key: str
    def __init__(self, setup_intent_id: _Optional[str] = ..., cancellation_reason: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreatePaymentIntentResponse(_message.Message):
    __slots__ = ("payment_intent", "global_position")
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    payment_intent: _customer_pb2.PaymentIntent
    global_position: int
    def __init__(self, payment_intent: _Optional[_Union[_customer_pb2.PaymentIntent, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class UpdatePaymentIntentResponse(_message.Message):
    __slots__ = ("payment_intent", "global_position")
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    payment_intent: _customer_pb2.PaymentIntent
    global_position: int
    def __init__(self, payment_intent: _Optional[_Union[_customer_pb2.PaymentIntent, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class ConfirmPaymentIntentResponse(_message.Message):
    __slots__ = ("payment_intent", "global_position")
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    payment_intent: _customer_pb2.PaymentIntent
    global_position: int
    def __init__(self, payment_intent: _Optional[_Union[_customer_pb2.PaymentIntent, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class AuthenticatePaymentIntentResponse(_message.Message):
    __slots__ = ("payment_intent", "global_position")
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    payment_intent: _customer_pb2.PaymentIntent
    global_position: int
    def __init__(self, payment_intent: _Optional[_Union[_customer_pb2.PaymentIntent, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class CapturePaymentIntentResponse(_message.Message):
    __slots__ = ("payment_intent", "global_position")
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    payment_intent: _customer_pb2.PaymentIntent
    global_position: int
    def __init__(self, payment_intent: _Optional[_Union[_customer_pb2.PaymentIntent, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class CancelPaymentIntentResponse(_message.Message):
    __slots__ = ("payment_intent", "global_position")
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    payment_intent: _customer_pb2.PaymentIntent
    global_position: int
    def __init__(self, payment_intent: _Optional[_Union[_customer_pb2.PaymentIntent, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class CreateSetupIntentResponse(_message.Message):
    __slots__ = ("setup_intent", "global_position")
    SETUP_INTENT_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    setup_intent: _customer_pb2.SetupIntent
    global_position: int
    def __init__(self, setup_intent: _Optional[_Union[_customer_pb2.SetupIntent, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class ConfirmSetupIntentResponse(_message.Message):
    __slots__ = ("setup_intent", "global_position")
    SETUP_INTENT_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    setup_intent: _customer_pb2.SetupIntent
    global_position: int
    def __init__(self, setup_intent: _Optional[_Union[_customer_pb2.SetupIntent, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class AuthenticateSetupIntentResponse(_message.Message):
    __slots__ = ("setup_intent", "global_position")
    SETUP_INTENT_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    setup_intent: _customer_pb2.SetupIntent
    global_position: int
    def __init__(self, setup_intent: _Optional[_Union[_customer_pb2.SetupIntent, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class CancelSetupIntentResponse(_message.Message):
    __slots__ = ("setup_intent", "global_position")
    SETUP_INTENT_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    setup_intent: _customer_pb2.SetupIntent
    global_position: int
    def __init__(self, setup_intent: _Optional[_Union[_customer_pb2.SetupIntent, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class RefundPaymentIntentRequest(_message.Message):
    __slots__ = ("payment_intent_id", "amount", "reason", "metadata", "idempotency_key")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PAYMENT_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    payment_intent_id: str
    amount: int
    reason: str
    metadata: _containers.ScalarMap[str, str]
    idempotency_key: str
    def __init__(self, payment_intent_id: _Optional[str] = ..., amount: _Optional[int] = ..., reason: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RefundPaymentIntentResponse(_message.Message):
    __slots__ = ("refund", "global_position")
    REFUND_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    refund: _charge_pb2.Refund
    global_position: int
    def __init__(self, refund: _Optional[_Union[_charge_pb2.Refund, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class ExpirePaymentIntentsRequest(_message.Message):
    __slots__ = ("limit",)
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    limit: int
    def __init__(self, limit: _Optional[int] = ...) -> None: ...

class ExpirePaymentIntentsResponse(_message.Message):
    __slots__ = ("canceled_payment_intent_ids", "global_position")
    CANCELED_PAYMENT_INTENT_IDS_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    canceled_payment_intent_ids: _containers.RepeatedScalarFieldContainer[str]
    global_position: int
    def __init__(self, canceled_payment_intent_ids: _Optional[_Iterable[str]] = ..., global_position: _Optional[int] = ...) -> None: ...

class IncrementAuthorizationRequest(_message.Message):
    __slots__ = ("payment_intent_id", "amount", "idempotency_key")
    PAYMENT_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    payment_intent_id: str
    amount: int
    idempotency_key: str
    def __init__(self, payment_intent_id: _Optional[str] = ..., amount: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class IncrementAuthorizationResponse(_message.Message):
    __slots__ = ("payment_intent", "global_position")
    PAYMENT_INTENT_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    payment_intent: _customer_pb2.PaymentIntent
    global_position: int
    def __init__(self, payment_intent: _Optional[_Union[_customer_pb2.PaymentIntent, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...
