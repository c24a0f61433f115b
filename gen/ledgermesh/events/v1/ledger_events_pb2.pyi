import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LedgerEntryType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEDGER_ENTRY_TYPE_UNSPECIFIED: _ClassVar[LedgerEntryType]
    LEDGER_ENTRY_TYPE_CHARGE: _ClassVar[LedgerEntryType]
    LEDGER_ENTRY_TYPE_REFUND: _ClassVar[LedgerEntryType]
    LEDGER_ENTRY_TYPE_PAYOUT: _ClassVar[LedgerEntryType]
    LEDGER_ENTRY_TYPE_SETTLEMENT: _ClassVar[LedgerEntryType]
    LEDGER_ENTRY_TYPE_DISPUTE_RESERVE: _ClassVar[LedgerEntryType]
    LEDGER_ENTRY_TYPE_DISPUTE_RELEASE: _ClassVar[LedgerEntryType]
    LEDGER_ENTRY_TYPE_DISPUTE_LOSS: _ClassVar[LedgerEntryType]
LEDGER_ENTRY_TYPE_UNSPECIFIED: LedgerEntryType
LEDGER_ENTRY_TYPE_CHARGE: LedgerEntryType
LEDGER_ENTRY_TYPE_REFUND: LedgerEntryType
LEDGER_ENTRY_TYPE_PAYOUT: LedgerEntryType
LEDGER_ENTRY_TYPE_SETTLEMENT: LedgerEntryType
LEDGER_ENTRY_TYPE_DISPUTE_RESERVE: LedgerEntryType
LEDGER_ENTRY_TYPE_DISPUTE_RELEASE: LedgerEntryType
LEDGER_ENTRY_TYPE_DISPUTE_LOSS: LedgerEntryType

class LedgerEntryPosted(_message.Message):
    __slots__ = ("entry_id", "account_id", "currency", "type", "source_id", "amount", "fee", "net", "available_delta", "pending_delta", "reserved_delta", "available_on", "description", "settled_entry_ids")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    FEE_FIELD_NUMBER: _ClassVar[int]
    NET_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_DELTA_FIELD_NUMBER: _ClassVar[int]
    PENDING_DELTA_FIELD_NUMBER: _ClassVar[int]
    RESERVED_DELTA_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_ON_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SETTLED_ENTRY_IDS_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    account_id: str
    currency: str
    type: LedgerEntryType
    source_id: str
    amount: int
    fee: int
    net: int
    available_delta: int
    pending_delta: int
    reserved_delta: int
    available_on: _timestamp_pb2.Timestamp
    description: str
    settled_entry_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, entry_id: _Optional[str] = ..., account_id: _Optional[str] = ..., currency: _Optional[str] = ..., type: _Optional[_Union[LedgerEntryType, str]] = ..., source_id: _Optional[str] = ..., amount: _Optional[int] = ..., fee: _Optional[int] = ..., net: _Optional[int] = ..., available_delta: _Optional[int] = ..., pending_delta: _Optional[int] = ..., reserved_delta: _Optional[int] = ..., available_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., description: _Optional[str] = ..., settled_entry_ids: _Optional[_Iterable[str]] = ...) -> None: ...
