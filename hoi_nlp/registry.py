"""Small versioned registries: one name -> one implementation, for things that come in several kinds.

Coders, exporters and ingest readers are each one registry. An implementation registers itself
where it is defined (``@exporters.register("xlsx")``), or is named lazily by its import path
(``coders.register_lazy("hoi.rules.v1", "hoi_nlp.coding.rules:build_rule_coder")``) so that listing
names imports nothing heavy. Adding one is one module plus one line; a versioned full name
(``hoi.rules.v1``) and short aliases (``rules``) resolve to the same entry, and an unknown name is a
clear error listing the known ones.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from hoi_nlp.errors import HoiError

T = TypeVar("T")


@dataclass
class Registry(Generic[T]):
    """Named implementations of one kind of thing (``kind`` appears in error messages)."""

    kind: str
    _entries: dict[str, T | str] = field(default_factory=dict)
    _aliases: dict[str, str] = field(default_factory=dict)

    def register(self, name: str, *, aliases: tuple[str, ...] = ()) -> Callable[[T], T]:
        """Decorator: register the decorated object as ``name`` (and its ``aliases``)."""

        def add(item: T) -> T:
            self._add(name, item, aliases)
            return item

        return add

    def register_lazy(self, name: str, target: str, *, aliases: tuple[str, ...] = ()) -> None:
        """Register ``"package.module:attribute"`` as ``name``; it is imported on first :meth:`get`."""
        self._add(name, target, aliases)

    def _add(self, name: str, item: T | str, aliases: tuple[str, ...]) -> None:
        if name in self._entries and self._entries[name] is not item:
            raise ValueError(f"{self.kind} '{name}' is registered twice")
        self._entries[name] = item
        for alias in aliases:
            self._aliases[alias] = name

    def resolve(self, name: str) -> str:
        """The registered full name of ``name`` (itself or an alias)."""
        full = self._aliases.get(name, name)
        if full not in self._entries:
            known = ", ".join(self.names())
            raise HoiError(f"unknown {self.kind} '{name}'", hint=f"choose one of: {known}")
        return full

    def get(self, name: str) -> T:
        """The implementation registered as ``name`` or one of its aliases."""
        full = self.resolve(name)
        item = self._entries[full]
        if isinstance(item, str):
            module, _, attribute = item.partition(":")
            item = getattr(importlib.import_module(module), attribute)
            self._entries[full] = item
        return item  # type: ignore[return-value]

    def names(self, *, short: bool = True) -> list[str]:
        """Registered names: the short aliases where they exist (``short``), else the full names."""
        if not short:
            return list(self._entries)
        by_full = {full: alias for alias, full in self._aliases.items()}
        return [by_full.get(full, full) for full in self._entries]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._entries or name in self._aliases)
