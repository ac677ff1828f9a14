"""One exception family for everything that can go wrong with a user's input.

Core code raises these with the source span (and Wengert node, where there is one) of the
offending text; only the CLI turns them into messages on stderr and exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, init=False)
class Span:
    """Half-open character range ``[start, end)`` in expression number ``expr``."""

    start: int
    end: int
    expr: int = 0

    def __init__(self, start: int, end: int, expr: int = 0) -> None:
        # What the frozen dataclass's own __init__ does (object.__setattr__ per field), through
        # the slots directly: a parse makes one span per node, 10⁶ of them in a big one.
        _set_start(self, start)
        _set_end(self, end)
        _set_expr(self, expr)


_set_start, _set_end, _set_expr = (Span.__dict__[f].__set__ for f in ("start", "end", "expr"))


class AutodiffError(Exception):
    """Base class: a message, and optionally where in the source and the graph it applies.

    ``argument`` names the argument of the library call that is at fault (``"at"``, ``"wrt"``,
    ``"tol"``, ``"name"``): the message itself does not, so that each front end can name it its
    own way (``--wrt`` on the command line, ``wrt`` in Python).
    """

    def __init__(
        self,
        message: str,
        *,
        span: Span | None = None,
        node: int | None = None,
        argument: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.span = span
        self.node = node
        self.argument = argument


class InputError(AutodiffError):
    """The user's text or options are malformed (the CLI exits with status 2)."""


class ParseError(InputError):
    """The expression does not follow the grammar."""


class UnknownFunctionError(InputError):
    """A call names a function that is not in the primitive table."""


class ArityError(InputError):
    """A function is called with the wrong number of arguments."""


class NameUsageError(InputError):
    """A name is used in a way its kind does not allow (a function as a variable, ...)."""


class PointError(InputError):
    """The point (``at``) is missing a value, has a bad or duplicate value, or an unknown name."""


class UsageError(InputError):
    """Arguments that do not fit the expression (``wrt`` of an unknown name, a short direction)."""


class LimitError(InputError):
    """The input exceeds a documented size limit."""


class MathError(AutodiffError):
    """The expression is well formed but not computable at the point (the CLI exits with 1)."""


class DomainError(MathError):
    """A primitive is applied outside its domain (``log(-1)``, ``1/0``, ``sqrt(-4)``)."""


class NonFiniteError(MathError):
    """A value or derivative overflowed or became NaN."""
