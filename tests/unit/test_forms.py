"""The form parser, fuzzed: whatever bytes arrive, in whatever chunks, the answer is parameters or a
FormError a client can read (never another exception), and what a Stripe client encodes comes back
exactly. The cases fuzzing found are kept below as explicit regressions."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gateway.errors import StripeError
from gateway.forms import FormError, FormLimits, FormParser, FormTooLarge, parse
from gateway.routes.common import integer

LIMITS = FormLimits(max_bytes=4096, max_keys=50, max_depth=5)

names = st.text(st.characters(codec="utf-8", exclude_characters="[]"), min_size=1, max_size=12)
values = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
params = st.dictionaries(names, st.one_of(values, st.dictionaries(names, values, min_size=1, max_size=4),
                                          st.lists(values, min_size=1, max_size=4)), max_size=6)


def _encode(p: dict[str, object]) -> bytes:
    pairs = []
    for name, value in p.items():
        if isinstance(value, dict):
            pairs += [(f"{name}[{k}]", v) for k, v in value.items()]
        elif isinstance(value, list):
            pairs += [(f"{name}[]", v) for v in value]
        else:
            pairs.append((name, value))
    return "&".join(f"{quote(k, safe='[]')}={quote(str(v), safe='')}" for k, v in pairs).encode()


def _chunked(body: bytes, cuts: list[int]) -> dict[str, object]:
    parser = FormParser(LIMITS)
    start = 0
    for cut in sorted(c % (len(body) + 1) for c in cuts):
        parser.feed(body[start:cut])
        start = max(start, cut)
    parser.feed(body[start:])
    return parser.finish()


@settings(max_examples=300, deadline=None)
@given(params, st.lists(st.integers(min_value=0), max_size=5))
def test_what_a_stripe_client_encodes_parses_back_exactly_however_it_is_chunked(
        p: dict[str, object], cuts: list[int]) -> None:
    body = _encode(p)
    if len(body) > LIMITS.max_bytes or body.count(b"&") >= LIMITS.max_keys:
        return
    assert _chunked(body, cuts) == p


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=600), st.lists(st.integers(min_value=0), max_size=4))
@example(b"metadata" + b"[a]" * 1000 + b"=v", [])
@example(b"a=\xff", [])
@example(b"a=%ff%fe", [1])
@example(b"a[b]=1&a=2", [])
@example(b"a=1&a[b]=2", [])
@example(b"a[]=1&a[b]=2", [])
@example(b"a[b]=1&a[]=2", [])
@example(b"a[]=1&a[][b]=2", [])
@example(b"[]=1", [])
@example(b"a]=1", [])
@example(b"a[[b]]=1", [])
@example(b"=1&&&=", [])
@example(b"a[=1", [])
@example(b"%5B%5D=1", [])
def test_any_bytes_give_parameters_or_a_form_error_never_a_crash(body: bytes, cuts: list[int]) -> None:
    try:
        parsed = _chunked(body, cuts)
    except FormError as exc:
        assert exc.status in (400, 413) and str(exc)
        return
    assert isinstance(parsed, dict)


def test_the_size_limit_holds_while_streaming_before_the_body_ends() -> None:
    parser = FormParser(FormLimits(max_bytes=100))
    parser.feed(b"a=" + b"x" * 90)
    with pytest.raises(FormTooLarge):
        parser.feed(b"y" * 20)


@pytest.mark.parametrize(("body", "param", "message"), [
    (b"amount=1&amount=2", "amount", "repeated"),
    (b"metadata[a]=1&metadata[a]=2", "metadata[a]", "repeated"),
    (b"description=%C3", "description", "UTF-8"),
    (b"metadata" + b"[a]" * 1000 + b"=v", "metadata", "nested"),
    (b"a[[b]]=1", "a[[b]]", "name"),
])
def test_refusals_name_the_parameter(body: bytes, param: str, message: str) -> None:
    with pytest.raises(FormError) as refused:
        parse(body, LIMITS)
    assert refused.value.param == param and message in str(refused.value)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=25))
@example(" 100")
@example("1_000")
@example("١٢٣")
@example("+5")
@example("100 ")
@example("0x10")
@example("1e3")
@example("99999999999999999999")
def test_only_ascii_digits_with_an_optional_minus_are_integers(raw: str) -> None:
    strict = re.fullmatch(r"-?[0-9]{1,19}", raw, flags=re.ASCII) and -(2**63) <= int(raw) < 2**63
    if strict:
        assert integer({"amount": raw}, "amount") == int(raw)
        return
    if raw == "":
        assert integer({"amount": raw}, "amount") is None
        return
    with pytest.raises(StripeError) as refused:
        integer({"amount": raw}, "amount")
    assert refused.value.code == "parameter_invalid_integer" and refused.value.param == "amount"


# Inputs atheris found (tools/fuzz_forms.py): the first byte picks the chunk size, the rest is the body.
CORPUS = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "form_corpus").iterdir())


@pytest.mark.parametrize("path", CORPUS, ids=[p.name[:12] for p in CORPUS])
def test_the_fuzzing_corpus_gives_parameters_or_form_errors(path: Path) -> None:
    data = path.read_bytes()
    if not data:
        return
    step, body = data[0] + 1, data[1:]
    parser = FormParser(LIMITS)
    try:
        for start in range(0, len(body), step):
            parser.feed(body[start:start + step])
        parsed = parser.finish()
    except FormError as exc:
        assert exc.status in (400, 413)
        return
    assert isinstance(parsed, dict)
    assert parsed == parse(body, LIMITS)
