"""The Merkle tree hashes, proves and verifies as RFC 6962 / 9162 say, checked against an independent
implementation of the RFC's definitions (tests/rfc6962.py) for every small tree."""

from __future__ import annotations

import hashlib

import pytest

from eventlog.merkle import (
    EMPTY_ROOT,
    Frontier,
    MerkleTree,
    leaf_data,
    leaf_hash,
    split_leaf_data,
    verify_consistency,
    verify_inclusion,
)
from tests import rfc6962

DATA = [leaf_data(position, hashlib.sha256(str(position).encode()).hexdigest()) for position in range(1, 70)]


def test_leaf_data_is_the_big_endian_position_then_the_event_hash() -> None:
    event_hash = "ab" * 32

    data = leaf_data(258, event_hash)

    assert data == bytes([0, 0, 0, 0, 0, 0, 1, 2]) + bytes.fromhex(event_hash)
    assert split_leaf_data(data) == (258, event_hash)
    assert leaf_hash(data) == hashlib.sha256(b"\x00" + data).digest()


@pytest.mark.parametrize("size", range(0, 70))
def test_roots_of_the_tree_and_of_the_frontier_are_rfc_6962_roots(size: int) -> None:
    tree = MerkleTree([leaf_hash(d) for d in DATA[:size]])
    frontier = Frontier()
    frontier.extend(leaf_hash(d) for d in DATA[:size])

    assert tree.root() == rfc6962.mth(DATA[:size]) == frontier.root()
    assert tree.frontier(size).root() == frontier.root()
    assert (size == 0) == (tree.root() == EMPTY_ROOT)


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 31, 32, 33, 69])
def test_every_inclusion_proof_verifies_independently_and_no_other_leaf_does(size: int) -> None:
    tree = MerkleTree([leaf_hash(d) for d in DATA])
    root = tree.root(size)
    for index in range(size):
        proof = tree.inclusion_proof(index, size)
        assert rfc6962.inclusion_root(index, size, rfc6962.leaf(DATA[index]), proof) == root
        assert verify_inclusion(index, size, leaf_hash(DATA[index]), proof, root)
        assert not verify_inclusion(index, size, leaf_hash(b"another event"), proof, root)
        if proof:
            assert not verify_inclusion(index, size, leaf_hash(DATA[index]), proof[:-1], root)


@pytest.mark.parametrize("second", [1, 2, 3, 4, 7, 8, 9, 16, 17, 33, 69])
def test_every_consistency_proof_verifies_independently_and_a_rewritten_history_does_not(second: int) -> None:
    tree = MerkleTree([leaf_hash(d) for d in DATA])
    for first in range(1, second + 1):
        proof = tree.consistency_proof(first, second)
        old, new = tree.root(first), tree.root(second)
        assert rfc6962.consistent(first, second, old, new, proof)
        assert verify_consistency(first, second, old, new, proof)
        rewritten = MerkleTree([leaf_hash(d) for d in [DATA[1], *DATA[1:]]]).root(first)
        assert not verify_consistency(first, second, rewritten, new, proof)
        assert not rfc6962.consistent(first, second, rewritten, new, proof)


def test_a_frontier_that_does_not_match_its_size_is_refused() -> None:
    with pytest.raises(ValueError, match="has 2 hashes"):
        Frontier(3, [EMPTY_ROOT])
