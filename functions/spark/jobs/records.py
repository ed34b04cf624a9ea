"""Raw records (ticks, bars) as Spark columns: parsed from their JSON wire form, then validated.

The shape checks follow the contract's fields; the rules beyond the shape are those of
`parseTick` and `parseBar` in contract/records.ts, so that Spark accepts what the sink accepts.
A record that fails any check is marked invalid (and counted by the jobs), never fatal.
"""

from __future__ import annotations

from functools import reduce

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from contract import CONTRACT, Schema, wire_struct_type

VALID = "_valid"


def _parsed(schema: Schema, wire: Column, name: str) -> Column:
    """A field in its contract type; null where the wire value does not parse."""
    f = schema.field(name)
    value = wire[name]
    if f.type == "timestamp":
        return F.when(value.rlike(CONTRACT.iso_timestamp_pattern), F.try_to_timestamp(value)).cast("timestamp")
    if f.type == "date":
        return F.when(value.rlike(CONTRACT.iso_date_pattern), F.try_to_date(value, "yyyy-MM-dd"))
    return value


def _shape_ok(schema: Schema, typed: dict[str, Column]) -> Column:
    checks = []
    for f in schema.fields:
        c = typed[f.name]
        ok = F.lit(True) if f.nullable else c.isNotNull()
        if f.values is not None:
            ok = ok & (c.isNull() | c.isin(*f.values))
        if f.type == "double":
            ok = ok & (c.isNull() | (~F.isnan(c) & (F.abs(c) != F.lit(float("inf")))))
        if f.type == "long":
            ok = ok & (c.isNull() | (c >= 0))
        checks.append(ok)
    return reduce(lambda a, b: a & b, checks)


def _tick_rules(t: dict[str, Column], now: Column) -> Column:
    skew = F.make_dt_interval(secs=F.lit(CONTRACT.max_clock_skew_ms / 1000))
    return (
        t["symbol"].rlike(CONTRACT.symbol_pattern)
        & (t["price"] > 0)
        & (t["bid"] > 0)
        & (t["ask"] > 0)
        & (t["bid"] <= t["ask"])
        & (t["event_time"] <= now + skew)
    )


def _bar_rules(b: dict[str, Column]) -> Column:
    positive = reduce(lambda a, b_: a & b_, [b[n] > 0 for n in ("open", "high", "low", "close", "adj_close")])
    within = (b["high"] >= F.greatest(b["open"], b["close"])) & (b["low"] <= F.least(b["open"], b["close"]))
    return b["symbol"].rlike(CONTRACT.symbol_pattern) & positive & (b["high"] >= b["low"]) & within


def parse_records(schema: Schema, json_text: Column, now: Column | None = None, key: Column | None = None) -> list[Column]:
    """Columns of the record in `json_text` (typed as the contract says) and `_valid`."""
    wire = F.from_json(json_text, wire_struct_type(schema), {"mode": "PERMISSIVE"})
    typed = {f.name: _parsed(schema, wire, f.name) for f in schema.fields}
    # A field the schema does not know is a bad record, as for the sink (`unexpected_field`).
    known = F.array(*(F.lit(n) for n in schema.names))
    keys = F.json_object_keys(json_text)
    no_extra = keys.isNotNull() & (F.size(F.array_except(keys, known)) == 0)
    if schema.name == CONTRACT.tick.name:
        rules = _tick_rules(typed, now if now is not None else F.current_timestamp())
    else:
        rules = _bar_rules(typed)
    valid = no_extra & _shape_ok(schema, typed) & rules
    if key is not None:
        valid = valid & (key == typed["symbol"])
    return [*(typed[n].alias(n) for n in schema.names), F.coalesce(valid, F.lit(False)).alias(VALID)]


def valid_only(df: DataFrame) -> DataFrame:
    return df.where(F.col(VALID)).drop(VALID)
