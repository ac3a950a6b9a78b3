"""Every error ezgov raises on purpose, in one tree.

    EzgovError                  exit_code 1 unless a subclass says otherwise
    ├── InputError              exit 2: the user's files or options are wrong
    │   ├── InventoryError      inventory, policy or catalogue files; carries every Problem found
    │   └── PlanError           an address plan or migration plan cannot be made from this input
    ├── CollectError            one device could not be collected; `category` names why
    │   ├── UnreachableError    category "unreachable"
    │   ├── AuthError           category "auth"
    │   ├── CollectTimeout      category "timeout"
    │   ├── HostKeyError        category "host-key"
    │   ├── UnsupportedError    category "unsupported"
    │   ├── ParseError          category "parse"
    │   └── ConfigRefused       category "refused": the device rejected a configuration line
    ├── AuditError              an audit run could not be carried out
    ├── PlaybookError           ansible could not be run (not: a host failed)
    ├── LabError                the virtual lab could not be built, inspected or removed
    │   └── LabTimeout          a command of the lab did not finish in time (it was killed)
    ├── ReportError             a report could not be rendered (fonts, PDF engine)
    └── StoreError              a store (the config repository) could not be read or written

Third-party exceptions are translated where the library is called (`raise ... from exc`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in an input file, located as precisely as the file allows."""

    file: str
    line: int | None
    path: str
    message: str
    hint: str = ""
    column: str | None = None  # a spreadsheet's column letter, where the input is a table

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        where = f"{where}:{self.column}" if self.line and self.column else where
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class EzgovError(Exception):
    """The root of every error ezgov raises on purpose."""

    exit_code = 1


class InputError(EzgovError):
    """The user's input (files, options) is wrong; nothing was changed."""

    exit_code = 2


class InventoryError(InputError):
    """One or more problems in input files; `problems` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class PlanError(InputError):
    """A plan (addresses, migration waves) cannot be made from this input."""


class CollectError(EzgovError):
    """A device could not be collected; `category` names why, as a subclass declares it."""

    category = "unreachable"

    def __init_subclass__(cls, *, category: str | None = None, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.category = category or cls.category


class UnreachableError(CollectError, category="unreachable"):
    """Refused, no route, or a name that does not resolve: nothing answered as the service."""


class AuthError(CollectError, category="auth"):
    """The device refused the credentials (a wrong password, key, community or SNMPv3 user)."""


class CollectTimeout(CollectError, category="timeout"):
    """No answer within the allowed time."""


class HostKeyError(CollectError, category="host-key"):
    """The SSH host key is unknown or has changed."""


class UnsupportedError(CollectError, category="unsupported"):
    """The device refused a command or object the platform profile expects."""


class ParseError(CollectError, category="parse"):
    """The device answered, but not in a form that can be read."""


class ConfigRefused(CollectError, category="refused"):
    """The device rejected a configuration line."""


class AuditError(EzgovError):
    """An audit run could not be carried out."""


class PlaybookError(EzgovError):
    """Ansible could not be run at all (a failed host is a result, not this error)."""


class LabError(EzgovError):
    """The virtual lab could not be built, inspected or removed."""


class LabTimeout(LabError):
    """A command the lab ran did not finish within its timeout and was killed."""


class ReportError(EzgovError):
    """A report could not be rendered (a missing font, the PDF engine failed)."""


class StoreError(EzgovError):
    """A store (the versioned config repository) could not be read or written."""
