"""Simulated time: archlab counts time in ticks of one picosecond (``uint64``)."""
from __future__ import annotations

import re

PS_PER = {"ps": 1, "ns": 1_000, "us": 1_000_000, "ms": 1_000_000_000, "s": 1_000_000_000_000}

_QUANTITY = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([a-z]+)\s*$")


def format_time(ps: int | float) -> str:
    """``99999`` -> ``"99.999 ns"``: the format ``archlab run`` prints."""
    ps = float(ps)
    if ps < 1e3:
        return f"{int(ps)} ps"
    if ps < 1e6:
        return f"{ps / 1e3:.3f} ns"
    if ps < 1e9:
        return f"{ps / 1e6:.3f} us"
    return f"{ps / 1e9:.3f} ms"


def parse_time(text: str) -> int:
    """``"2.5 ns"`` -> ``2500`` picoseconds. A bare number is refused, as archlab's TOML does."""
    match = _QUANTITY.match(str(text))
    if match is None or match.group(2) not in PS_PER:
        raise ValueError(f"'{text}' is not a time: write a number and a unit ({', '.join(PS_PER)}), e.g. '10 ns'")
    return round(float(match.group(1)) * PS_PER[match.group(2)])


def axis_scale(max_ps: float) -> tuple[str, float]:
    """The unit that keeps a time axis ending at ``max_ps`` readable, and picoseconds per unit."""
    for unit in ("ms", "us", "ns"):
        if max_ps >= 10 * PS_PER[unit]:
            return unit, float(PS_PER[unit])
    return "ps", 1.0


def ps_to_us_text(ps: int) -> str:
    """Exact decimal microseconds (Chrome trace ``ts``) for an integer number of picoseconds."""
    ps = int(ps)
    return f"{ps // 1_000_000}.{ps % 1_000_000:06d}"


def time_unit_ps(unit: str) -> int | None:
    """Picoseconds per unit when a statistic's unit is a time (``"ps"``, ``"ns"``, ...), else None."""
    return PS_PER.get(unit.strip())


def parse_units(text: str) -> dict[str, str]:
    """A table's ``units`` attribute, ``"start: ps; end: ps; energy: pJ"``, as ``{"start": "ps", ...}``."""
    units = {}
    for part in str(text).split(";"):
        name, colon, unit = part.partition(":")
        if colon and name.strip():
            units[name.strip()] = unit.strip()
    return units
