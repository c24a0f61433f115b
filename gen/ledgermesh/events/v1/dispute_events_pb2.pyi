import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DisputeResolution(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DISPUTE_RESOLUTION_UNSPECIFIED: _ClassVar[DisputeResolution]
    DISPUTE_RESOLUTION_WON: _ClassVar[DisputeResolution]
    DISPUTE_RESOLUTION_LOST: _ClassVar[DisputeResolution]
DISPUTE_RESOLUTION_UNSPECIFIED: DisputeResolution
DISPUTE_RESOLUTION_WON: DisputeResolution
DISPUTE_RESOLUTION_LOST: DisputeResolution

class DisputeCreated(_message.Message):
    __slots__ = ("dispute_id", "charge_id", "dispute_reason", "evidence_due_date", "chargeback_amount", "currency", "dispute_fee", "merchant_id")
    DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_REASON_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    CHARGEBACK_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_FEE_FIELD_NUMBER: _ClassVar[int]
    MERCHANT_ID_FIELD_NUMBER: _ClassVar[int]
    dispute_id: str
    charge_id: str
    dispute_reason: str
    evidence_due_date: _timestamp_pb2.Timestamp
    chargeback_amount: int
    currency: str
    dispute_fee: int
    merchant_id: str
    def __init__(self, dispute_id: _Optional[str] = ..., charge_id: _Optional[str] = ..., dispute_reason: _Optional[str] = ..., evidence_due_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., chargeback_amount: _Optional[int] = ..., currency: _Optional[str] = ..., dispute_fee: _Optional[int] = ..., merchant_id: _Optional[str] = ...) -> None: ...

class EvidenceSubmitted(_message.Message):
    __slots__ = ("dispute_id", "evidence_type", "evidence", "file_references", "submission_timestamp", "submitted")
    class EvidenceEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    FILE_REFERENCES_FIELD_NUMBER: _ClassVar[int]
    SUBMISSION_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_FIELD_NUMBER: _ClassVar[int]
    dispute_id: str
    evidence_type: str
    evidence: _containers.ScalarMap[str, str]
    file_references: _containers.RepeatedScalarFieldContainer[str]
    submission_timestamp: _timestamp_pb2.Timestamp
    submitted: bool
    def __init__(self, dispute_id: _Optional[str] = ..., evidence_type: _Optional[str] = ..., evidence: _Optional[_Mapping[str, str]] = ..., file_references: _Optional[_Iterable[str]] = ..., submission_timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., submitted: _Optional[bool] = ...) -> None: ...

class DisputeResolved(_message.Message):
    __slots__ = ("dispute_id", "resolution_type", "final_amount", "currency", "resolution_date", "accepted_by_merchant")
    DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    FINAL_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_DATE_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_BY_MERCHANT_FIELD_NUMBER: _ClassVar[int]
    dispute_id: str
    resolution_type: DisputeResolution
    final_amount: int
    currency: str
    resolution_date: _timestamp_pb2.Timestamp
    accepted_by_merchant: bool
    def __init__(self, dispute_id: _Optional[str] = ..., resolution_type: _Optional[_Union[DisputeResolution, str]] = ..., final_amount: _Optional[int] = ..., currency: _Optional[str] = ..., resolution_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., accepted_by_merchant: _Optional[bool] = ...) -> None: ...
