"""Input rules shared by every object that carries Stripe metadata or free text: charges, refunds,
disputes' evidence, accounts and payouts. Their refusal reasons and messages are part of the API."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from iso3166 import countries_by_alpha2

from command_svc.domain.errors import ValidationError

MAX_METADATA_KEYS: Final = 50
MAX_METADATA_KEY_LENGTH: Final = 40
MAX_METADATA_VALUE_LENGTH: Final = 500
MAX_DESCRIPTION_LENGTH: Final = 1000
MAX_EMAIL_LENGTH: Final = 254

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def validate_metadata(metadata: Mapping[str, str]) -> None:
    """Stripe's metadata limits. An empty value means "unset this key", as in Stripe."""
    if len(metadata) > MAX_METADATA_KEYS:
        raise ValidationError(
            "METADATA_TOO_MANY_KEYS",
            f"Metadata can have at most {MAX_METADATA_KEYS} keys.",
            field="metadata",
        )
    for key, value in metadata.items():
        if not key:
            raise ValidationError(
                "METADATA_KEY_EMPTY", "Metadata keys cannot be empty.", field="metadata"
            )
        if len(key) > MAX_METADATA_KEY_LENGTH:
            raise ValidationError(
                "METADATA_KEY_TOO_LONG",
                f"Metadata keys must be at most {MAX_METADATA_KEY_LENGTH} characters.",
                field="metadata",
            )
        if len(value) > MAX_METADATA_VALUE_LENGTH:
            raise ValidationError(
                "METADATA_VALUE_TOO_LONG",
                f"Metadata values must be at most {MAX_METADATA_VALUE_LENGTH} characters.",
                field="metadata",
                metadata={"key": key},
            )


def set_metadata(current: Mapping[str, str], changes: Mapping[str, str]) -> dict[str, str]:
    """`current` with `changes` applied; an empty value deletes its key."""
    merged = {**current, **changes}
    return {key: value for key, value in merged.items() if value}


def require_max_length(value: str, limit: int, *, field: str) -> str:
    if len(value) > limit:
        raise ValidationError(
            f"{field.upper()}_TOO_LONG", f"{field} must be at most {limit} characters.", field=field
        )
    return value


def validate_email(email: str, *, field: str = "email") -> str:
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.match(email):
        raise ValidationError("EMAIL_INVALID", "Email address is not valid.", field=field)
    return email


def normalize_country(country: str, *, field: str = "country") -> str:
    """Upper-case ISO 3166-1 alpha-2 code of an assigned country (not ZZ, not XX), or "" when empty."""
    normalized = country.strip().upper()
    if normalized and (not _COUNTRY.match(normalized) or normalized not in countries_by_alpha2):
        raise ValidationError(
            "COUNTRY_INVALID", "Country must be an ISO 3166-1 alpha-2 code.", field=field
        )
    return normalized


def refuse_nul(values: Mapping[str, str]) -> None:
    """Text the log can keep: PostgreSQL's text and jsonb cannot hold NUL characters."""
    for name, value in values.items():
        if "\x00" in value:
            raise ValidationError("TEXT_INVALID", f"{name} cannot contain NUL characters.", field=name)
