"""How every command's ``--help`` reads: one command and group class for the whole CLI.

- a flag (``--json``, ``--help``) shows no metavar (typer would print ``<bool>``), nor does
  an argument named by its metavar (``KEY_ID``, not ``KEY_ID <str>``);
- help texts are literal: square brackets such as ``[journal]`` are escaped, so rich markup
  does not swallow them ("overrides  path").
Installed by ``tradecore.cli`` on the root and on every registered command.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


def _literal(param: Any) -> None:
    if getattr(param, "_tc_done", False):
        return
    if getattr(param, "is_flag", False) and getattr(param, "metavar", None) is None:
        param.metavar = ""
    elif isinstance(param, TyperOption) and param.metavar is None and param.name:
        param.metavar = param.name.upper()  # `--nats NATS`, never `<str>`
    desc = getattr(param, "type_descriptor", None)
    if isinstance(param, TyperArgument) and param.metavar and not getattr(desc, "is_choice", 0):
        param.display_type_rich = lambda ctx: None  # type: ignore[method-assign]  # no "<str>"
    text = getattr(param, "help", None)
    if isinstance(text, str):
        param.help = escape(text)
    param._tc_done = True


class Command(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)
        for p in params:
            _literal(p)
        return params


class Group(TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)
        for p in params:
            _literal(p)
        return params
