from ledgermesh.payments.v1 import charge_pb2 as _charge_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateChargeRequest(_message.Message):
    __slots__ = ("amount", "currency", "source", "description", "metadata", "capture", "customer", "idempotency_key", "receipt_email", "statement_descriptor")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_EMAIL_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_DESCRIPTOR_FIELD_NUMBER: _ClassVar[int]
    amount: int
    currency: str
    source: str
    description: str
    metadata: _containers.ScalarMap[str, str]
    capture: bool
    customer: str
    idempotency_key: str
    receipt_email: str
    statement_descriptor: str
    def __init__(self, amount: _Optional[int] = ..., currency: _Optional[str] = ..., source: _Optional[str] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., capture: _Optional[bool] = ..., customer: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., receipt_email: _Optional[str] = ..., statement_descriptor: _Optional[str] = ...) -> None: ...

class CreateChargeResponse(_message.Message):
    __slots__ = ("charge", "global_position")
    CHARGE_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    charge: _charge_pb2.Charge
    global_position: int
    def __init__(self, charge: _Optional[_Union[_charge_pb2.Charge, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class CaptureChargeRequest(_message.Message):
    __slots__ = ("charge_id", "amount", "idempotency_key")
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    charge_id: str
    amount: int
    idempotency_key: str
    def __init__(self, charge_id: _Optional[str] = ..., amount: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CaptureChargeResponse(_message.Message):
    __slots__ = ("charge", "global_position")
    CHARGE_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    charge: _charge_pb2.Charge
    global_position: int
    def __init__(self, charge: _Optional[_Union[_charge_pb2.Charge, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class UpdateChargeRequest(_message.Message):
    __slots__ = ("charge_id", "description", "metadata", "idempotency_key")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    charge_id: str
    description: str
    metadata: _containers.ScalarMap[str, str]
    idempotency_key: str
    def __init__(self, charge_id: _Optional[str] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class UpdateChargeResponse(_message.Message):
    __slots__ = ("charge", "global_position")
    CHARGE_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    charge: _charge_pb2.Charge
    global_position: int
    def __init__(self, charge: _Optional[_Union[_charge_pb2.Charge, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class CreateRefundRequest(_message.Message):
    __slots__ = ("charge_id", "amount", "reason", "metadata", "idempotency_key")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    charge_id: str
    amount: int
    reason: str
    metadata: _containers.ScalarMap[str, str]
    idempotency_key: str
    def __init__(self, charge_id: _Optional[str] = ..., amount: _Optional[int] = ..., reason: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateRefundResponse(_message.Message):
    __slots__ = ("refund", "global_position")
    REFUND_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    refund: _charge_pb2.Refund
    global_position: int
    def __init__(self, refund: _Optional[_Union[_charge_pb2.Refund, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class ExpireAuthorizationsRequest(_message.Message):
    __slots__ = ("limit",)
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    limit: int
    def __init__(self, limit: _Optional[int] = ...) -> None: ...

class ExpireAuthorizationsResponse(_message.Message):
    __slots__ = ("expired_charge_ids", "global_position")
    EXPIRED_CHARGE_IDS_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    expired_charge_ids: _containers.RepeatedScalarFieldContainer[str]
    global_position: int
    def __init__(self, expired_charge_ids: _Optional[_Iterable[str]] = ..., global_position: _Optional[int] = ...) -> None: ...
