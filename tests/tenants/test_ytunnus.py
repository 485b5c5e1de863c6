"""The Finnish business ID check digit."""

from __future__ import annotations

import pytest

from tukiverkko.tenants.ytunnus import normalise_business_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0116297-6", "0116297-6"),  # Pienperheyhdistys ry's format
        (" 1234567-1 ", "1234567-1"),
        ("116297-6", "0116297-6"),  # six-digit form gets its leading zero
        ("0737546-2", "0737546-2"),
    ],
)
def test_valid_ids(raw: str, expected: str) -> None:
    assert normalise_business_id(raw) == expected


@pytest.mark.parametrize("raw", ["0116297-5", "1234567-2", "12345678", "abc", "", "1234567-"])
def test_invalid_ids(raw: str) -> None:
    assert normalise_business_id(raw) is None
