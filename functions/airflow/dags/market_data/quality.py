"""Data-quality checks of the jobs' output, as pure functions over rows.

Each check returns its failures; a failure names the check, the symbol and the day (or window),
so that the run's error says exactly what is wrong where.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

Row = Mapping[str, Any]
# How many failures one error message lists before it only counts the rest.
SHOWN = 20


@dataclass(frozen=True)
class Failure:
    check: str
    symbol: str
    when: str
    detail: str

    def __str__(self) -> str:
        return f"check `{self.check}` failed for {self.symbol} on {self.when}: {self.detail}"


class QualityError(Exception):
    def __init__(self, failures: Sequence[Failure]) -> None:
        shown = "\n".join(f"  - {f}" for f in failures[:SHOWN])
        more = f"\n  ... and {len(failures) - SHOWN} more" if len(failures) > SHOWN else ""
        super().__init__(f"{len(failures)} data-quality failure(s), nothing was loaded:\n{shown}{more}")
        self.failures = list(failures)


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)


def not_null(rows: Iterable[Row], required: Sequence[str], when: str) -> list[Failure]:
    return [
        Failure("required_not_null", str(r.get("symbol")), _day(r.get(when)), f"`{name}` is null")
        for r in rows
        for name in required
        if r.get(name) is None
    ]


def unique_key(rows: Iterable[Row], when: str) -> list[Failure]:
    counts = Counter((str(r.get("symbol")), _day(r.get(when))) for r in rows)
    return [Failure("unique_key", s, d, f"{n} rows for one ({when}, symbol)") for (s, d), n in sorted(counts.items()) if n > 1]


def price_bounds(rows: Iterable[Row], when: str, inside: Sequence[str] = ("open", "close")) -> list[Failure]:
    out = []
    for r in rows:
        low, high = r.get("low"), r.get("high")
        if low is None or high is None:
            continue
        if low > high:
            out.append(Failure("price_bounds", str(r.get("symbol")), _day(r.get(when)), f"low {low} is above high {high}"))
            continue
        for name in inside:
            v = r.get(name)
            if v is not None and not low <= v <= high:
                out.append(
                    Failure("price_bounds", str(r.get("symbol")), _day(r.get(when)), f"{name} {v} is outside low {low} and high {high}")
                )
    return out


def daily_rows_expected(rows: Sequence[Row], symbols: Sequence[str], published: Mapping[str, int] | None) -> list[Failure]:
    """Every symbol has a row on every trading day of the output, and as many rows as bars were published for it."""
    days_of: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        days_of[str(r["symbol"])].add(_day(r["trade_date"]))
    every_day = sorted(set().union(*days_of.values())) if days_of else []
    out = []
    for symbol in symbols:
        if not days_of.get(symbol):
            out.append(Failure("rows_per_symbol_and_date", symbol, "every day of the range", "no rows"))
            continue
        out.extend(
            Failure("rows_per_symbol_and_date", symbol, d, "no row, though other symbols traded that day")
            for d in every_day
            if d not in days_of[symbol]
        )
        count = sum(1 for r in rows if r["symbol"] == symbol)
        if published is not None and symbol in published and count != published[symbol]:
            out.append(
                Failure("rows_per_symbol_and_date", symbol, "the range", f"{count} rows, but the batch published {published[symbol]} bars")
            )
    return out


def freshness(rows: Sequence[Row], symbols: Sequence[str], last: date, max_age_days: int) -> list[Failure]:
    """Each symbol's newest day is at most `max_age_days` before the range's last day."""
    newest: dict[str, date] = {}
    for r in rows:
        d = r["trade_date"]
        day = d if isinstance(d, date) else date.fromisoformat(str(d))
        newest[str(r["symbol"])] = max(newest.get(str(r["symbol"]), day), day)
    out = []
    for symbol in symbols:
        if symbol in newest and (last - newest[symbol]).days > max_age_days:
            age = (last - newest[symbol]).days
            out.append(
                Failure(
                    "freshness",
                    symbol,
                    newest[symbol].isoformat(),
                    f"its newest day is {age} days before the range's end {last}, more than {max_age_days}",
                )
            )
    return out


def check_daily_metrics(
    rows: Sequence[Row],
    required: Sequence[str],
    symbols: Sequence[str],
    published: Mapping[str, int] | None,
    *,
    last: date,
    max_age_days: int,
) -> list[Failure]:
    return [
        *daily_rows_expected(rows, symbols, published),
        *not_null(rows, required, "trade_date"),
        *price_bounds(rows, "trade_date"),
        *unique_key(rows, "trade_date"),
        *freshness(rows, symbols, last, max_age_days),
    ]


def window_gaps(rows: Sequence[Row], symbols: Sequence[str], start: datetime, end: datetime, max_gap: timedelta) -> list[Failure]:
    """Every active symbol has windows in [start, end), none further apart than `max_gap`."""
    starts: dict[str, list[datetime]] = defaultdict(list)
    for r in rows:
        starts[str(r["symbol"])].append(r["window_start"])
    out = []
    for symbol in symbols:
        times = sorted(starts.get(symbol, []))
        if not times:
            out.append(Failure("windows_present", symbol, f"{start.isoformat()}..{end.isoformat()}", "no windows in the hour"))
            continue
        out.extend(
            Failure(
                "window_gaps",
                symbol,
                b.isoformat(),
                f"{int((b - a).total_seconds() // 60)} minutes since the previous window, more than {int(max_gap.total_seconds() // 60)}",
            )
            for a, b in pairwise(times)
            if b - a > max_gap
        )
    return out


def check_tick_windows(
    rows: Sequence[Row], required: Sequence[str], symbols: Sequence[str], *, start: datetime, end: datetime, max_gap: timedelta
) -> list[Failure]:
    return [
        *window_gaps(rows, symbols, start, end, max_gap),
        *not_null(rows, required, "window_start"),
        *price_bounds(rows, "window_start", inside=("open", "close", "vwap")),
        *unique_key(rows, "window_start"),
    ]
