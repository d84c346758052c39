"""The templates' sandbox, bounded: a book's template cannot reach Python's internals (Jinja2's
sandbox), nor make a huge string or number, nor loop without end.

Jinja2's sandbox stops `''.__class__` and caps `range()` at 100,000 items; on top of it:
`*`, `**`, `+` and `%` check the size of what they would make before making it, `~` after
(it can only double a value), a call or a filter takes no number above MAX_LENGTH nor a
format with a width that large, and the loops of one document run at most MAX_ITERATIONS
times in all. A recursive macro or include ends in Python's RecursionError, which the
caller reports with the rest (markup.render_template).
"""

from __future__ import annotations

import contextvars
import math
import re
from collections.abc import Iterable, Iterator
from functools import wraps
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_LENGTH = 1_000_000  # characters or items in one value
MAX_BITS = 4096  # in one whole number
MAX_ITERATIONS = 1_000_000  # loop turns while rendering one document
_WIDE_FORMAT = re.compile(r"%[^a-zA-Z%]*(\d{7,}|\*)|\{[^{}]*:[^{}]*(\d{7,}|\{)")
_SEQUENCES = (str, list, tuple)
_turns: contextvars.ContextVar[list[int]] = contextvars.ContextVar("turns")


def _too_big(what: str) -> SecurityError:
    return SecurityError(f"the template would make {what}, more than a template may")


def _check_format(text: Any) -> None:
    if isinstance(text, str) and _WIDE_FORMAT.search(text):
        raise _too_big(f"a field of {MAX_LENGTH:,} characters or more")


def _check_numbers(args: Iterable[Any]) -> None:
    for value in args:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_LENGTH:
            raise _too_big(f"something of {value:,} characters or items")


def _result_size(operator: str, left: Any, right: Any) -> tuple[int, int]:
    """The length (of a text or a list) and the bits (of a number) that an operation would
    make, worked out without making it."""
    both_ints = isinstance(left, int) and isinstance(right, int)
    if operator == "**" and both_ints and right > 0 and abs(left) > 1:
        return 0, int(right * math.log2(abs(left)))
    if operator == "*" and both_ints:
        return 0, left.bit_length() + right.bit_length()
    if operator == "*":
        for sequence, times in ((left, right), (right, left)):
            if isinstance(sequence, _SEQUENCES) and isinstance(times, int):
                return len(sequence) * times, 0
    if operator == "+" and isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        return len(left) + len(right), 0
    return 0, 0


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse before it is made an operation whose result would be too big."""
    if operator == "%":
        _check_format(left)
    length, bits = _result_size(operator, left, right)
    if length > MAX_LENGTH:
        raise _too_big(f"a value of {length:,} characters or items")
    if bits > MAX_BITS:
        raise _too_big(f"a number of more than {MAX_BITS:,} bits")


def _bounded_filter(function: Any) -> Any:
    @wraps(function)  # (keeps Jinja's pass_context marks)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_numbers([*args, *kwargs.values()])
        if function.__name__ == "do_format" and args:
            _check_format(args[0])  # `"%s"|format(…)`: the value is the format
        return function(*args, **kwargs)

    return bounded


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox with the bounds above."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters = {name: _bounded_filter(f) for name, f in self.filters.items()}

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _check_numbers([*args, *kwargs.values()])
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, str) and attribute in ("format", "format_map"):
            _check_format(obj)
        return super().getattr(obj, attribute)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """The template's nodes, each loop counted and each `~` checked."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = _environment_call("counted", loop.iter)
        for parent in list(tree.find_all(nodes.Node)):  # (all found before any is changed)
            for field in parent.fields:
                value = getattr(parent, field, None)
                if isinstance(value, nodes.Concat):
                    setattr(parent, field, _checked(value))
                elif isinstance(value, list):
                    value[:] = [_checked(v) if isinstance(v, nodes.Concat) else v for v in value]
        return tree

    def counted(self, items: Iterable[Any]) -> Iterator[Any]:
        """A loop's items, each turn counted against the document's MAX_ITERATIONS."""
        turns = _turns.get(None)
        for item in items:
            if turns is not None:
                turns[0] += 1
                if turns[0] > MAX_ITERATIONS:
                    raise _too_big(f"more than {MAX_ITERATIONS:,} turns of its loops")
            yield item

    def checked(self, value: Any) -> Any:
        """The result of `~`, refused if it is too long."""
        if len(value) > MAX_LENGTH:
            raise _too_big(f"a text of {len(value):,} characters")
        return value


def _checked(concat: nodes.Concat) -> nodes.Call:
    return _environment_call("checked", concat)


def _environment_call(name: str, node: nodes.Expr) -> nodes.Call:
    """`environment.NAME(node)`, on the node's line (what an error's line is taken from)."""
    line = node.lineno
    function = nodes.EnvironmentAttribute(name, lineno=line)
    return nodes.Call(function, [node], [], None, None, lineno=line)


def one_document() -> contextvars.Token:
    """Start counting the loops' turns of one document (end with `_turns.reset(token)`)."""
    return _turns.set([0])


def end_document(token: contextvars.Token) -> None:
    _turns.reset(token)
