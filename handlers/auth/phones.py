"""Phone numbers: parse what people type (Egyptian national format included) into E.164."""
from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberType

from server.errors import BadRequest

_MOBILE = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def normalize_phone(raw: object) -> str:
    """`01012345678`, `+20 10 1234 5678`, `00201012345678` -> `+201012345678`.

    Numbers without a country code are read as Egyptian. Only valid mobile numbers pass
    (Egypt: +2010, +2011, +2012, +2015 followed by 8 digits).
    """
    if not isinstance(raw, str) or not (6 <= len(raw) <= 32):
        raise BadRequest("Phone number is missing or malformed", code="invalid_phone")
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        num = phonenumbers.parse(text, "EG")
    except phonenumbers.NumberParseException:
        raise BadRequest("Phone number is malformed", code="invalid_phone") from None
    if num.extension or not phonenumbers.is_valid_number(num) or phonenumbers.number_type(num) not in _MOBILE:
        raise BadRequest("Not a valid mobile number", code="invalid_phone")
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str | None) -> str | None:
    """A phone shown in logs: country code and operator prefix, last three digits."""
    if not e164:
        return None
    return e164[:5] + "*" * max(0, len(e164) - 8) + e164[-3:]
