"""Finnish business ID (Y-tunnus): seven digits, a hyphen and a check digit."""

from __future__ import annotations

import re

_FORMAT = re.compile(r"^(\d{6,7})-(\d)$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def normalise_business_id(value: str) -> str | None:
    """Return the ID in canonical form (`1234567-8`), or None if it is not valid.

    Old six-digit IDs are padded with a leading zero, as the registry does.
    """
    match = _FORMAT.match(value.strip())
    if not match:
        return None
    digits, check = match.group(1).zfill(7), int(match.group(2))
    remainder = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11
    if remainder == 1:
        return None  # no ID is ever issued with remainder 1
    expected = 0 if remainder == 0 else 11 - remainder
    return f"{digits}-{check}" if check == expected else None
