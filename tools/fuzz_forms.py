"""Coverage-guided fuzzing of the gateway's form parser with atheris (libFuzzer).

    .venv/bin/python tools/fuzz_forms.py tests/fixtures/form_corpus -max_total_time=60

The first input byte picks where the body is cut into chunks (as a network would deliver it), the rest
is the body. Anything but parameters or a FormError is a crash; libFuzzer writes it to crash-<hash>,
and it belongs in tests/fixtures/form_corpus/ (tests/unit/test_forms.py replays every file there)."""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from gateway.forms import FormError, FormLimits, FormParser

LIMITS = FormLimits(max_bytes=4096, max_keys=50, max_depth=5)


def one_input(data: bytes) -> None:
    if not data:
        return
    step, body = data[0] + 1, data[1:]
    parser = FormParser(LIMITS)
    try:
        for start in range(0, len(body), step):
            parser.feed(body[start:start + step])
        parsed = parser.finish()
    except FormError:
        return
    assert isinstance(parsed, dict)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
