"""Service radii and densities with their sources, from layers/standards.toml (the bureau edits that file)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Radius:
    metres: float
    source: str
    source_zh: str = ""  # the source as a Chinese page shows it (the English one where none is given)

    def source_in(self, lang: str) -> str:
        return self.source_zh if lang == "zh" and self.source_zh else self.source


@dataclass
class Standards:
    raw: dict

    def radius(self, layer: str, unit_code: str | None = None) -> Radius | None:
        """The service radius for a layer in a unit (a unit override first), or None if none is set."""
        spec = self.raw.get("service_radius", {}).get(layer)
        if spec is None:
            return None
        override = spec.get("by_unit", {}).get(unit_code) if unit_code else None
        if override:
            return Radius(float(override["radius_m"]), override["source"], override.get("source_zh", ""))
        return Radius(float(spec["default_m"]), spec["source"], spec.get("source_zh", ""))

    @property
    def layers_with_radius(self) -> list[str]:
        return list(self.raw.get("service_radius", {}))


def load_standards(path: Path | str) -> Standards:
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    for layer, spec in raw.get("service_radius", {}).items():
        for key in ("default_m", "source"):
            if key not in spec:
                raise ValueError(f"{path}: service_radius.{layer} needs {key}")
        if float(spec["default_m"]) <= 0:
            raise ValueError(f"{path}: service_radius.{layer}.default_m must be positive")
    return Standards(raw)
