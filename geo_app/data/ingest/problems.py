"""Errors of an import: each names the file, the row or feature, the field and the reason."""

from __future__ import annotations

from dataclasses import dataclass

MAX_REPORTED = 50


@dataclass(frozen=True)
class Problem:
    file: str
    reason: str
    where: str | None = None  # "row 5", "feature 3"
    field: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.where:
            parts.append(self.where)
        if self.field:
            parts.append(f"field {self.field!r}")
        return ", ".join(parts) + f": {self.reason}"

    def as_dict(self) -> dict:
        return {"file": self.file, "where": self.where, "field": self.field, "reason": self.reason}


class ImportFailed(Exception):
    """Nothing was imported: the store is unchanged. `problems` lists the first MAX_REPORTED of `total`."""

    def __init__(self, problems: list[Problem], total: int | None = None):
        self.problems = problems[:MAX_REPORTED]
        self.total = total if total is not None else len(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems]
        if self.total > len(self.problems):
            lines.append(f"... and {self.total - len(self.problems)} more problems")
        return "import refused, nothing changed:\n  " + "\n  ".join(lines)


class Collector:
    """Gathers problems while reading so that one run reports many of them, not only the first."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.warnings: list[str] = []

    def add(self, reason: str, where: str | None = None, field: str | None = None) -> None:
        self.problems.append(Problem(self.file, reason, where, field))

    def warn(self, message: str) -> None:
        self.warnings.append(f"{self.file}: {message}")

    def fail(self, reason: str, where: str | None = None, field: str | None = None):
        """Stop at once: a problem that makes the rest of the file unreadable."""
        self.add(reason, where, field)
        raise ImportFailed(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise ImportFailed(self.problems)
