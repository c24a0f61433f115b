import datetime

from google.protobuf import any_pb2 as _any_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DataClassification(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATA_CLASSIFICATION_UNSPECIFIED: _ClassVar[DataClassification]
    DATA_CLASSIFICATION_PUBLIC: _ClassVar[DataClassification]
    DATA_CLASSIFICATION_INTERNAL: _ClassVar[DataClassification]
    DATA_CLASSIFICATION_PII: _ClassVar[DataClassification]
    DATA_CLASSIFICATION_FINANCIAL: _ClassVar[DataClassification]
DATA_CLASSIFICATION_UNSPECIFIED: DataClassification
DATA_CLASSIFICATION_PUBLIC: DataClassification
DATA_CLASSIFICATION_INTERNAL: DataClassification
DATA_CLASSIFICATION_PII: DataClassification
DATA_CLASSIFICATION_FINANCIAL: DataClassification

class EventEnvelope(_message.Message):
    __slots__ = ("event_id", "event_type", "aggregate_type", "aggregate_id", "aggregate_version", "event_version", "global_position", "tenant_id", "occurred_at", "metadata", "payload", "commit_position")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_ID_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_VERSION_FIELD_NUMBER: _ClassVar[int]
    EVENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    COMMIT_POSITION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    event_type: str
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    event_version: int
    global_position: int
    tenant_id: str
    occurred_at: _timestamp_pb2.Timestamp
    metadata: EventMetadata
    payload: _any_pb2.Any
    commit_position: int
    def __init__(self, event_id: _Optional[str] = ..., event_type: _Optional[str] = ..., aggregate_type: _Optional[str] = ..., aggregate_id: _Optional[str] = ..., aggregate_version: _Optional[int] = ..., event_version: _Optional[int] = ..., global_position: _Optional[int] = ..., tenant_id: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., payload: _Optional[_Union[_any_pb2.Any, _Mapping]] = ..., commit_position: _Optional[int] = ...) -> None: ...

class EventMetadata(_message.Message):
    __slots__ = ("correlation_id", "causation_id", "request_id", "trace_id", "user_id", "ip_address", "jurisdiction", "regulation", "data_classification", "retention_period", "event_hash", "previous_event_hash", "signature", "traceparent", "key_kind", "acting_platform")
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    CAUSATION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    JURISDICTION_FIELD_NUMBER: _ClassVar[int]
    REGULATION_FIELD_NUMBER: _ClassVar[int]
    DATA_CLASSIFICATION_FIELD_NUMBER: _ClassVar[int]
    RETENTION_PERIOD_FIELD_NUMBER: _ClassVar[int]
    EVENT_HASH_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_EVENT_HASH_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    TRACEPARENT_FIELD_NUMBER: _ClassVar[int]
    KEY_KIND_FIELD_NUMBER: _ClassVar[int]
    ACTING_PLATFORM_FIELD_NUMBER: _ClassVar[int]
    correlation_id: str
    causation_id: str
    request_id: str
    trace_id: str
    user_id: str
    ip_address: str
    jurisdiction: str
    regulation: str
    data_classification: DataClassification
    retention_period: str
    event_hash: str
    previous_event_hash: str
    signature: str
    traceparent: str
    key_kind: str
    acting_platform: str
    def __init__(self, correlation_id: _Optional[str] = ..., causation_id: _Optional[str] = ..., request_id: _Optional[str] = ..., trace_id: _Optional[str] = ..., user_id: _Optional[str] = ..., ip_address: _Optional[str] = ..., jurisdiction: _Optional[str] = ..., regulation: _Optional[str] = ..., data_classification: _Optional[_Union[DataClassification, str]] = ..., retention_period: _Optional[str] = ..., event_hash: _Optional[str] = ..., previous_event_hash: _Optional[str] = ..., signature: _Optional[str] = ..., traceparent: _Optional[str] = ..., key_kind: _Optional[str] = ..., acting_platform: _Optional[str] = ...) -> None: ...
