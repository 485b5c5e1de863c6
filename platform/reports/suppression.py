"""Small counts in a model owner's view: any count under 5 is shown as "<5".

A model owner sees its partners' figures, never their people; a small group
could let someone recognise a person, so every owner-facing figure about
people passes through `suppress` (reports, exports, the partner overview).
"""

from __future__ import annotations

THRESHOLD = 5
SMALL = "<5"
HIDDEN = ".."


def suppress(value: int | float | None) -> str:
    """What a model owner sees of a figure: "<5" under the threshold, else the figure.

    The single place where the rule is applied; everything an owner sees of
    people-derived figures (API, CSV, XLSX, PDF, pages) is made of its output.
    """
    if value is None or value < THRESHOLD:
        return SMALL
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return str(int(value))


def protect(whole: int | float, parts: dict[str, int | float]) -> dict[str, str]:
    """Suppressed parts of a whole that is shown: a lone small part takes the next smallest along.

    `whole` is the sum of `parts`. Returns what to show for each part.
    """
    shown = {key: suppress(value) for key, value in parts.items()}
    small = [key for key, value in parts.items() if value < THRESHOLD]
    if suppress(whole) != SMALL and len(small) == 1:
        others = sorted((v, k) for k, v in parts.items() if v >= THRESHOLD)
        if others:
            shown[others[0][1]] = HIDDEN
    return shown
