from ledgermesh.disputes.v1 import dispute_pb2 as _dispute_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateDisputeRequest(_message.Message):
    __slots__ = ("charge_id", "reason", "amount", "idempotency_key")
    CHARGE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    charge_id: str
    reason: str
    amount: int
    idempotency_key: str
    def __init__(self, charge_id: _Optional[str] = ..., reason: _Optional[str] = ..., amount: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateDisputeResponse(_message.Message):
    __slots__ = ("dispute", "global_position")
    DISPUTE_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    dispute: _dispute_pb2.Dispute
    global_position: int
    def __init__(self, dispute: _Optional[_Union[_dispute_pb2.Dispute, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class SubmitEvidenceRequest(_message.Message):
    __slots__ = ("dispute_id", "evidence", "file_references", "submit", "idempotency_key")
    class EvidenceEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    FILE_REFERENCES_FIELD_NUMBER: _ClassVar[int]
    SUBMIT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    dispute_id: str
    evidence: _containers.ScalarMap[str, str]
    file_references: _containers.RepeatedScalarFieldContainer[str]
    submit: bool
    idempotency_key: str
    def __init__(self, dispute_id: _Optional[str] = ..., evidence: _Optional[_Mapping[str, str]] = ..., file_references: _Optional[_Iterable[str]] = ..., submit: _Optional[bool] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SubmitEvidenceResponse(_message.Message):
    __slots__ = ("dispute", "global_position")
    DISPUTE_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    dispute: _dispute_pb2.Dispute
    global_position: int
    def __init__(self, dispute: _Optional[_Union[_dispute_pb2.Dispute, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class CloseDisputeRequest(_message.Message):
    __slots__ = ("dispute_id", "idempotency_key")
    DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    dispute_id: str
    idempotency_key: str
    def __init__(self, dispute_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CloseDisputeResponse(_message.Message):
    __slots__ = ("dispute", "global_position")
    DISPUTE_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    dispute: _dispute_pb2.Dispute
    global_position: int
    def __init__(self, dispute: _Optional[_Union[_dispute_pb2.Dispute, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...

class ResolveDisputeRequest(_message.Message):
    __slots__ = ("dispute_id", "won", "idempotency_key")
    DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    WON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    dispute_id: str
    won: bool
    idempotency_key: str
    def __init__(self, dispute_id: _Optional[str] = ..., won: _Optional[bool] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ResolveDisputeResponse(_message.Message):
    __slots__ = ("dispute", "global_position")
    DISPUTE_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    dispute: _dispute_pb2.Dispute
    global_position: int
    def __init__(self, dispute: _Optional[_Union[_dispute_pb2.Dispute, _Mapping]] = ..., global_position: _Optional[int] = ...) -> None: ...
