from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class PaymentIntentCreated(_message.Message):
    __slots__ = ("payment_intent_id", "amount", "currency", "capture_method", "customer", "payment_method", "description", "metadata", "statement_descriptor", "setup_future_usage", "receipt_email", "client_secret", "merchant_id")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PAYMENT_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
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
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    MERCHANT_ID_FIELD_NUMBER: _ClassVar[int]
    payment_intent_id: str
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
    client_secret: str
    merchant_id: str
    def __init__(self, payment_intent_id: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., capture_method: _Optional[str] = ..., customer: _Optional[str] = ..., payment_method: _Optional[str] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., statement_descriptor: _Optional[str] = ..., setup_future_usage: _Optional[str] = ..., receipt_email: _Optional[str] = ..., client_secret: _Optional[str] = ..., merchant_id: _Optional[str] = ...) -> None: ...

class PaymentIntentUpdated(_message.Message):
    __slots__ = ("payment_intent_id", "amount", "amount_set", "customer", "customer_set", "payment_method", "payment_method_set", "description", "description_set", "metadata", "statement_descriptor", "statement_descriptor_set", "setup_future_usage", "setup_future_usage_set", "status")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PAYMENT_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_SET_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_SET_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_SET_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_SET_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_DESCRIPTOR_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_DESCRIPTOR_SET_FIELD_NUMBER: _ClassVar[int]
    SETUP_FUTURE_USAGE_FIELD_NUMBER: _ClassVar[int]
    SETUP_FUTURE_USAGE_SET_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    payment_intent_id: str
    amount: int
    amount_set: bool
    customer: str
    customer_set: bool
    payment_method: str
    payment_method_set: bool
    description: str
    description_set: bool
    metadata: _containers.ScalarMap[str, str]
    statement_descriptor: str
    statement_descriptor_set: bool
    setup_future_usage: str
    setup_future_usage_set: bool
    status: str
    def __init__(self, payment_intent_id: _Optional[str] = ..., amount: _Optional[int] = ..., amount_set: _Optional[bool] = ..., customer: _Optional[str] = ..., customer_set: _Optional[bool] = ..., payment_method: _Optional[str] = ..., payment_method_set: _Optional[bool] = ..., description: _Optional[str] = ..., description_set: _Optional[bool] = ..., metadata: _Optional[_Mapping[str, str]] = ..., statement_descriptor: _Optional[str] = ..., statement_descriptor_set: _Optional[bool] = ..., setup_future_usage: _Optional[str] = ..., setup_future_usage_set: _Optional[bool] = ..., status: _Optional[str] = ...) -> None: ...

class PaymentIntentRequiresAction(_message.Message):
    __slots__ = ("payment_intent_id", "payment_method", "redirect_path", "return_url", "off_session")
    PAYMENT_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_PATH_FIELD_NUMBER: _ClassVar[int]
    RETURN_URL_FIELD_NUMBER: _ClassVar[int]
    OFF_SESSION_FIELD_NUMBER: _ClassVar[int]
    payment_intent_id: str
    payment_method: str
    redirect_path: str
    return_url: str
    off_session: bool
    def __init__(self, payment_intent_id: _Optional[str] = ..., payment_method: _Optional[str] = ..., redirect_path: _Optional[str] = ..., return_url: _Optional[str] = ..., off_session: _Optional[bool] = ...) -> None: ...

class PaymentIntentAuthorized(_message.Message):
    __slots__ = ("payment_intent_id", "charge_id", "payment_method", "amount_capturable")
    PAYMENT_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_CAPTURABLE_FIELD_NUMBER: _ClassVar[int]
    payment_intent_id: str
    charge_id: str
    payment_method: str
    amount_capturable: int
    def __init__(self, payment_intent_id: _Optional[str] = ..., charge_id: _Optional[str] = ..., payment_method: _Optional[str] = ..., amount_capturable: _Optional[int] = ...) -> None: ...

class PaymentIntentAuthorizationIncremented(_message.Message):
    __slots__ = ("payment_intent_id", "charge_id", "amount")
    PAYMENT_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    payment_intent_id: str
    charge_id: str
    amount: int
    def __init__(self, payment_intent_id: _Optional[str] = ..., charge_id: _Optional[str] = ..., amount: _Optional[int] = ...) -> None: ...

class PaymentIntentSucceeded(_message.Message):
    __slots__ = ("payment_intent_id", "charge_id", "payment_method", "amount_received")
    PAYMENT_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    payment_intent_id: str
    charge_id: str
    payment_method: str
    amount_received: int
    def __init__(self, payment_intent_id: _Optional[str] = ..., charge_id: _Optional[str] = ..., payment_method: _Optional[str] = ..., amount_received: _Optional[int] = ...) -> None: ...

class PaymentIntentPaymentFailed(_message.Message):
    __slots__ = ("payment_intent_id", "charge_id", "payment_method", "error_type", "error_code", "decline_code", "message")
    PAYMENT_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    ERROR_TYPE_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    DECLINE_CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    payment_intent_id: str
    charge_id: str
    payment_method: str
    error_type: str
    error_code: str
    decline_code: str
    message: str
    def __init__(self, payment_intent_id: _Optional[str] = ..., charge_id: _Optional[str] = ..., payment_method: _Optional[str] = ..., error_type: _Optional[str] = ..., error_code: _Optional[str] = ..., decline_code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class PaymentIntentCanceled(_message.Message):
    __slots__ = ("payment_intent_id", "cancellation_reason", "released_amount")
    PAYMENT_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_REASON_FIELD_NUMBER: _ClassVar[int]
    RELEASED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    payment_intent_id: str
    cancellation_reason: str
    released_amount: int
    def __init__(self, payment_intent_id: _Optional[str] = ..., cancellation_reason: _Optional[str] = ..., released_amount: _Optional[int] = ...) -> None: ...

class SetupIntentCreated(_message.Message):
    __slots__ = ("setup_intent_id", "customer", "payment_method", "usage", "description", "metadata", "client_secret", "merchant_id")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SETUP_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    MERCHANT_ID_FIELD_NUMBER: _ClassVar[int]
    setup_intent_id: str
    customer: str
    payment_method: str
    usage: str
    description: str
    metadata: _containers.ScalarMap[str, str]
    client_secret: str
    merchant_id: str
    def __init__(self, setup_intent_id: _Optional[str] = ..., customer: _Optional[str] = ..., payment_method: _Optional[str] = ..., usage: _Optional[str] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., client_secret: _Optional[str] = ..., merchant_id: _Optional[str] = ...) -> None: ...

class SetupIntentRequiresAction(_message.Message):
    __slots__ = ("setup_intent_id", "payment_method", "redirect_path", "return_url")
    SETUP_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_PATH_FIELD_NUMBER: _ClassVar[int]
    RETURN_URL_FIELD_NUMBER: _ClassVar[int]
    setup_intent_id: str
    payment_method: str
    redirect_path: str
    return_url: str
    def __init__(self, setup_intent_id: _Optional[str] = ..., payment_method: _Optional[str] = ..., redirect_path: _Optional[str] = ..., return_url: _Optional[str] = ...) -> None: ...

class SetupIntentSucceeded(_message.Message):
    __slots__ = ("setup_intent_id", "payment_method")
    SETUP_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    setup_intent_id: str
    payment_method: str
    def __init__(self, setup_intent_id: _Optional[str] = ..., payment_method: _Optional[str] = ...) -> None: ...

class SetupIntentFailed(_message.Message):
    __slots__ = ("setup_intent_id", "payment_method", "error_code", "decline_code", "message")
    SETUP_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    DECLINE_CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    setup_intent_id: str
    payment_method: str
    error_code: str
    decline_code: str
    message: str
    def __init__(self, setup_intent_id: _Optional[str] = ..., payment_method: _Optional[str] = ..., error_code: _Optional[str] = ..., decline_code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class SetupIntentCanceled(_message.Message):
    __slots__ = ("setup_intent_id", "cancellation_reason")
    SETUP_INTENT_ID_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_REASON_FIELD_NUMBER: _ClassVar[int]
    setup_intent_id: str
    cancellation_reason: str
    def __init__(self, setup_intent_id: _Optional[str] = ..., cancellation_reason: _Optional[str] = ...) -> None: ...
