"""Actionable errors: every message names the file, the place in it and what to do.

Each error carries a stable code (``HOI-E0xx``) so users and tests can refer to it.
The CLI prints ``str(error)`` without a traceback and exits non-zero.
"""

from __future__ import annotations

from typing import Any


class HoiError(Exception):
    """Base class of all errors hoi_nlp raises on bad input or configuration.

    A message (and hint) with ``{name}`` places is a template filled with ``params``: ``template`` and
    ``hint_template`` keep them unfilled, the keys of the review app's translations (an analyst reads a
    refusal in the app's language; the command line prints the English, filled in).
    """

    code = "HOI-E000"

    def __init__(self, message: str, *, path: str | None = None, where: str | None = None,
                 hint: str | None = None, **params: Any) -> None:
        self.template, self.hint_template, self.params = message, hint, params
        self.message = message.format(**params) if params else message
        self.path = path
        self.where = where
        self.hint = hint.format(**params) if hint and params else hint
        super().__init__(self.__str__())

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its filled-in state, not its arguments (subclasses take others), so an error a
        Prefect task raises in a worker process reaches the flow whole."""
        return _restored, (type(self), self.__dict__.copy())

    def __str__(self) -> str:
        location = ""
        if self.path:
            location = f"{self.path}"
            if self.where:
                location += f" ({self.where})"
            location += ": "
        elif self.where:
            location = f"{self.where}: "
        text = f"[{self.code}] {location}{self.message}"
        if self.hint:
            text += f" — {self.hint}"
        return text


def _restored(cls: type[HoiError], state: dict[str, Any]) -> HoiError:
    """An error unpickled: ``cls`` with the ``state`` it had, without calling its ``__init__``."""
    error = cls.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, str(error))
    return error


class CodebookError(HoiError):
    """The codebook file is malformed, has unknown/duplicate ids or bad patterns."""

    code = "HOI-E010"


class SchemaError(HoiError):
    """The survey schema file does not fit the export (missing columns, bad keys)."""

    code = "HOI-E020"


class IngestError(HoiError):
    """A survey export or transcript cannot be read."""

    code = "HOI-E030"


class TranscriptError(IngestError):
    """A transcript has no recognisable speaker turns or a bad metadata sidecar."""

    code = "HOI-E031"


class InputFormatError(HoiError):
    """A JSONL input for ``hoi code`` / ``hoi pseudonymize`` is malformed."""

    code = "HOI-E040"


class WorkspaceError(HoiError):
    """The study workspace is missing or has not been run yet."""

    code = "HOI-E050"


class ModelError(HoiError):
    """A model artefact is missing, corrupt or from another codebook version."""

    code = "HOI-E060"


class MissingExtraError(HoiError):
    """An optional dependency is not installed."""

    code = "HOI-E070"

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f"this feature needs the '{package}' package",
            hint=f"install it with: pip install 'hoi-nlp[{extra}]'",
        )


class ExportError(HoiError):
    """An export cannot be produced (nothing coded yet, unsafe raw export, bad format)."""

    code = "HOI-E080"


class ReviewError(HoiError):
    """A review action is invalid (unknown segment/code, span outside the source)."""

    code = "HOI-E090"


class ThemesError(HoiError):
    """Emergent themes cannot be fitted (too few segments) or a topic cannot be promoted."""

    code = "HOI-E100"


def require(module: str, *, extra: str, package: str | None = None) -> object:
    """Import ``module`` or raise :class:`MissingExtraError` naming the extra to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(package or module, extra) from exc
