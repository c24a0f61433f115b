"""An independent checker of Merkle proofs, written from RFC 6962's definitions (MTH, PATH, PROOF)
alone and sharing no code with eventlog.merkle: it rebuilds the roots a proof implies by following the
tree's recursive structure, where the code under test walks RFC 9162's bit arithmetic."""

from __future__ import annotations

import hashlib


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf(data: bytes) -> bytes:
    return _h(b"\x00" + data)


def node(left: bytes, right: bytes) -> bytes:
    return _h(b"\x01" + left + right)


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 2.1 over leaf data."""
    if not leaves:
        return _h(b"")
    if len(leaves) == 1:
        return leaf(leaves[0])
    k = _k(len(leaves))
    return node(mth(leaves[:k]), mth(leaves[k:]))


def inclusion_root(index: int, size: int, leaf_hash: bytes, path: list[bytes]) -> bytes:
    """The root PATH(index, D[size]) leads to from the leaf; the path's last hash is the top sibling."""
    if size == 1:
        assert not path, "proof too long"
        return leaf_hash
    assert path, "proof too short"
    k, sibling = _k(size), path[-1]
    if index < k:
        return node(inclusion_root(index, k, leaf_hash, path[:-1]), sibling)
    return node(sibling, inclusion_root(index - k, size - k, leaf_hash, path[:-1]))


def _consistency(m: int, n: int, proof: list[bytes], whole: bool, old_root: bytes) -> tuple[bytes, bytes]:
    if m == n:
        if whole:
            return old_root, old_root
        top = proof.pop()
        return top, top
    k = _k(n)
    if m <= k:
        right = proof.pop()
        old, new = _consistency(m, k, proof, whole, old_root)
        return old, node(new, right)
    left = proof.pop()
    old, new = _consistency(m - k, n - k, proof, False, old_root)
    return node(left, old), node(left, new)


def consistent(m: int, n: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> bool:
    """Does PROOF(m, D[n]) show the tree of m leaves with old_root is a prefix of the one with new_root?"""
    if not 0 < m <= n:
        return False
    remaining = list(proof)
    try:
        old, new = _consistency(m, n, remaining, True, old_root)
    except IndexError:
        return False
    return not remaining and old == old_root and new == new_root
