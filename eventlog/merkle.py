"""A Merkle tree over the log's global order, hashed as RFC 6962 / RFC 9162 (Certificate Transparency)
hash it: leaf hash = SHA-256(0x00 || leaf data), node hash = SHA-256(0x01 || left || right), the tree
of n leaves split at the largest power of two below n. Inclusion and consistency proofs and their
verification follow RFC 9162 sections 2.1.3 and 2.1.4.

A leaf's data is the event's global position (8 bytes, big-endian) followed by its SHA-256 event hash
(32 bytes): the position is bound into the tree, so two events that trade places in the global order
change the root even when both hashes are intact."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

LEAF_DATA_SIZE = 40
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_data(global_position: int, event_hash_hex: str) -> bytes:
    return global_position.to_bytes(8, "big") + bytes.fromhex(event_hash_hex)


def split_leaf_data(data: bytes) -> tuple[int, str]:
    """(global position, event hash hex) of one leaf's data."""
    return int.from_bytes(data[:8], "big"), data[8:].hex()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


@dataclass
class Frontier:
    """The roots of the perfect subtrees covering leaves [0, size), largest first: enough to append
    leaves and compute the root in O(log n) without the leaves themselves (a "compact range")."""

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.hashes) != bin(self.size).count("1"):
            raise ValueError(f"a frontier of {self.size} leaves has {bin(self.size).count('1')} hashes, "
                             f"not {len(self.hashes)}")

    def append(self, leaf: bytes) -> None:
        """Append one leaf hash."""
        self.hashes.append(leaf)
        self.size += 1
        n = self.size
        while n & 1 == 0:
            right = self.hashes.pop()
            self.hashes[-1] = node_hash(self.hashes[-1], right)
            n >>= 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        root = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            root = node_hash(left, root)
        return root

    def copy(self) -> Frontier:
        return Frontier(self.size, list(self.hashes))


class MerkleTree:
    """Every complete subtree hash of a list of leaf hashes, level by level (about 64 bytes per leaf),
    so any subtree root, and so any proof, costs O(log n) hashes."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self._levels: list[list[bytes]] = [list(leaves)]
        while len(self._levels[-1]) > 1:
            below = self._levels[-1]
            self._levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def subtree_root(self, start: int, end: int) -> bytes:
        """The RFC 6962 root of leaves [start, end)."""
        n = end - start
        if n <= 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and start % n == 0:
            return self._levels[n.bit_length() - 1][start // n]
        k = _split(n)
        return node_hash(self.subtree_root(start, start + k), self.subtree_root(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        return self.subtree_root(0, self.size if size is None else size)

    def frontier(self, size: int) -> Frontier:
        """The compact range of leaves [0, size)."""
        hashes, start = [], 0
        for bit in reversed(range(size.bit_length())):
            if size & (1 << bit):
                hashes.append(self.subtree_root(start, start + (1 << bit)))
                start += 1 << bit
        return Frontier(size, hashes)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """RFC 9162 PATH(index, D[0:size])."""
        if not 0 <= index < size <= self.size:
            raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
        return self._path(index, 0, size)

    def _path(self, index: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = _split(n)
        if index - start < k:
            return [*self._path(index, start, start + k), self.subtree_root(start + k, end)]
        return [*self._path(index, start + k, end), self.subtree_root(start, start + k)]

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """RFC 9162 PROOF(first, D[0:second])."""
        if not 0 <= first <= second <= self.size:
            raise ValueError(f"no consistency proof from {first} to {second} leaves in a tree of {self.size}")
        if first in (0, second):
            return []
        return self._subproof(first, 0, second, True)

    def _subproof(self, m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [self.subtree_root(start, end)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, start, start + k, whole), self.subtree_root(start + k, end)]
        return [*self._subproof(m - k, start + k, end, False), self.subtree_root(start, start + k)]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 2.1.3.2: does `leaf` sit at `index` of the tree of `size` leaves with `root`?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn & 1 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 2.1.4.2: is the tree of `first` leaves with `first_root` a prefix of the tree of
    `second` leaves with `second_root`?"""
    if first > second or first < 0:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn & 1 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root
