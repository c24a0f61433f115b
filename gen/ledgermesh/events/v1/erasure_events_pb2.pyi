import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubjectForgotten(_message.Message):
    __slots__ = ("subject_id", "key_ids", "forgotten_by", "reason", "forgotten_at", "erased_fields")
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_IDS_FIELD_NUMBER: _ClassVar[int]
    FORGOTTEN_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FORGOTTEN_AT_FIELD_NUMBER: _ClassVar[int]
    ERASED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    subject_id: str
    key_ids: _containers.RepeatedScalarFieldContainer[str]
    forgotten_by: str
    reason: str
    forgotten_at: _timestamp_pb2.Timestamp
    erased_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, subject_id: _Optional[str] = ..., key_ids: _Optional[_Iterable[str]] = ..., forgotten_by: _Optional[str] = ..., reason: _Optional[str] = ..., forgotten_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., erased_fields: _Optional[_Iterable[str]] = ...) -> None: ...
