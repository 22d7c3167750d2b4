"""An audience condition (connector/crm/audience.py) as a SOQL WHERE clause, rebuilt part by part through soql.py."""

from __future__ import annotations

from connector.crm.audience import AllOf, AnyOf, Condition, In, Not, RelativeDate, Value
from connector.crm.salesforce import soql

_COMPARE = {"=": soql.eq, "!=": soql.ne, "<": soql.lt, "<=": soql.le, ">": soql.gt, ">=": soql.ge}


def clause(condition: Condition) -> soql.Clause:
    """The condition as a Clause: field names checked against the API name grammar, every value a quoted literal."""
    if isinstance(condition, AllOf):
        return soql.all_of(*(clause(item) for item in condition.items))
    if isinstance(condition, AnyOf):
        return soql.any_of(*(clause(item) for item in condition.items))
    if isinstance(condition, Not):
        return soql.negate(clause(condition.item))
    if isinstance(condition, In):
        found = soql.in_(condition.field, [_literal(v) for v in condition.values])
        return soql.negate(found) if condition.negated else found
    return _COMPARE[condition.op](condition.field, _literal(condition.value))


def _literal(value: Value) -> object:
    return soql.DateLiteral(value.word, value.n) if isinstance(value, RelativeDate) else value
