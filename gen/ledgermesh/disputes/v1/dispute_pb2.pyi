import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DisputeStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DISPUTE_STATUS_UNSPECIFIED: _ClassVar[DisputeStatus]
    DISPUTE_STATUS_NEEDS_RESPONSE: _ClassVar[DisputeStatus]
    DISPUTE_STATUS_UNDER_REVIEW: _ClassVar[DisputeStatus]
    DISPUTE_STATUS_WON: _ClassVar[DisputeStatus]
    DISPUTE_STATUS_LOST: _ClassVar[DisputeStatus]
DISPUTE_STATUS_UNSPECIFIED: DisputeStatus
DISPUTE_STATUS_NEEDS_RESPONSE: DisputeStatus
DISPUTE_STATUS_UNDER_REVIEW: DisputeStatus
DISPUTE_STATUS_WON: DisputeStatus
DISPUTE_STATUS_LOST: DisputeStatus

class Dispute(_message.Message):
    __slots__ = ("id", "charge_id", "account_id", "amount", "currency", "reason", "status", "evidence", "evidence_files", "evidence_due_by", "submission_count", "created", "dispute_fee", "version", "position")
    class EvidenceEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FILES_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_DUE_BY_FIELD_NUMBER: _ClassVar[int]
    SUBMISSION_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_FEE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    id: str
    charge_id: str
    account_id: str
    amount: int
    currency: str
    reason: str
    status: DisputeStatus
    evidence: _containers.ScalarMap[str, str]
    evidence_files: _containers.RepeatedScalarFieldContainer[str]
    evidence_due_by: _timestamp_pb2.Timestamp
    submission_count: int
    created: _timestamp_pb2.Timestamp
    dispute_fee: int
    version: int
    position: int
    def __init__(self, id: _Optional[str] = ..., charge_id: _Optional[str] = ..., account_id: _Optional[str] = ..., amount: _Optional[int] = ..., currency: _Optional[str] = ..., reason: _Optional[str] = ..., status: _Optional[_Union[DisputeStatus, str]] = ..., evidence: _Optional[_Mapping[str, str]] = ..., evidence_files: _Optional[_Iterable[str]] = ..., evidence_due_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., submission_count: _Optional[int] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., dispute_fee: _Optional[int] = ..., version: _Optional[int] = ..., position: _Optional[int] = ...) -> None: ...
