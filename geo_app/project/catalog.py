"""Layer specifications, read from layers/catalog/*.toml.

A layer is data, not code: its TOML names the title, geometry type, typed field schema (required fields,
allowed values, ranges, patterns, alternative column names), source files with their coordinate system,
provenance and licence, and map style. Files whose name starts with "_" are shared field sets that a layer
takes with `field_sets = [...]` (for example `_facility.toml`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from geo_app import crs as crs_mod

FIELD_TYPES = ("string", "integer", "number", "boolean")
DERIVED = ("adcode", "area_km2")
FORMATS = ("opening_hours",)
GEOMETRY_TYPES = {
    "Point": {"Point"},
    "LineString": {"LineString", "MultiLineString"},
    "Polygon": {"Polygon", "MultiPolygon"},
    "MultiPolygon": {"Polygon", "MultiPolygon"},
}


class CatalogError(ValueError):
    """A catalog file that cannot describe a layer; the message names the file and the key."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool = False
    allowed: tuple | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    default: object = None
    aliases: tuple = ()
    derived: str | None = None
    format: str | None = None  # "opening_hours": checked with the OSM opening_hours grammar
    label_zh: str = ""
    label_en: str = ""
    osm: str | None = None
    labels: tuple = ()  # (value, zh, en) for values a page shows, e.g. ("yes", "有", "Yes")

    def label(self, value, lang: str):
        """A value as a page shows it: its catalog label in the language, else the value itself."""
        for known, zh, en in self.labels:
            if known == value:
                return en if lang == "en" else zh
        return value


@dataclass(frozen=True)
class Source:
    path: Path
    crs: str


@dataclass
class LayerSpec:
    id: str
    title_zh: str
    title_en: str
    geometry_type: str
    id_field: str
    fields: dict[str, FieldSpec]
    sources: list[Source]
    provenance: dict
    style: dict
    role: str = "facility"
    order: int = 100
    osm: str | None = None
    spec_file: Path | None = None
    allow_water: bool = False  # features may lie on open water (imports check points against the land mask)

    @property
    def input_fields(self) -> list[FieldSpec]:
        """Fields read from a source file (the derived ones are computed on import)."""
        return [f for f in self.fields.values() if not f.derived]

    @property
    def is_demo(self) -> bool:
        return self.provenance.get("kind") == "demo"

    def accepts(self, geom_type: str) -> bool:
        return geom_type in GEOMETRY_TYPES[self.geometry_type]

    def summary(self) -> dict:
        """What the API says about the layer: titles, geometry, fields, provenance, style."""
        return {
            "id": self.id,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "geometry_type": self.geometry_type,
            "id_field": self.id_field,
            "provenance": self.provenance,
            "style": self.style,
            "fields": {
                n: {k: v for k, v in vars(f).items() if v not in (None, (), "") and k != "name"}
                for n, f in self.fields.items()
            },
        }


@dataclass
class Catalog:
    root: Path
    layers: dict[str, LayerSpec] = field(default_factory=dict)

    def __getitem__(self, layer_id: str) -> LayerSpec:
        return self.layers[layer_id]

    def __contains__(self, layer_id: str) -> bool:
        return layer_id in self.layers

    @property
    def units_layer(self) -> LayerSpec:
        return next(spec for spec in self.layers.values() if spec.role == "units")

    @property
    def facility_layers(self) -> list[LayerSpec]:
        return [spec for spec in self.layers.values() if spec.role == "facility"]


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: not valid TOML: {exc}") from None


def _field(path: Path, name: str, raw: dict) -> FieldSpec:
    where = f"{path}, field {name!r}"
    unknown = set(raw) - set(FieldSpec.__dataclass_fields__)
    if unknown:
        raise CatalogError(f"{where}: unknown keys {sorted(unknown)}")
    if raw.get("type") not in FIELD_TYPES:
        raise CatalogError(f"{where}: type must be one of {', '.join(FIELD_TYPES)}, not {raw.get('type')!r}")
    if raw.get("derived") not in (None, *DERIVED):
        raise CatalogError(f"{where}: derived must be one of {', '.join(DERIVED)}")
    if raw.get("format") not in (None, *FORMATS):
        raise CatalogError(f"{where}: format must be one of {', '.join(FORMATS)}")
    if "pattern" in raw:
        try:
            re.compile(raw["pattern"])
        except re.error as exc:
            raise CatalogError(f"{where}: pattern is not a regular expression: {exc}") from None
    values = dict(raw, name=name)
    for key in ("allowed", "aliases"):
        if key in values:
            values[key] = tuple(values[key])
    if "labels" in values:
        values["labels"] = _labels(where, values["labels"], values.get("allowed"))
    return FieldSpec(**values)


def _labels(where: str, raw, allowed: tuple | None) -> tuple:
    """[fields.x.labels] value = ["中文", "English"]: every key a value the field may take."""
    if not isinstance(raw, dict):
        raise CatalogError(f'{where}: labels must be a table of value = ["中文", "English"]')
    out = []
    for value, pair in raw.items():
        if allowed is not None and value not in allowed:
            raise CatalogError(f"{where}: label for {value!r}, which is not one of {', '.join(allowed)}")
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) and x for x in pair)):
            raise CatalogError(f'{where}: the label of {value!r} must be ["中文", "English"]')
        out.append((value, *pair))
    return tuple(out)


def _layer(path: Path, raw: dict, field_sets: dict[str, dict], root: Path) -> LayerSpec:
    for key in ("id", "title_zh", "title_en", "geometry_type", "id_field", "provenance"):
        if key not in raw:
            raise CatalogError(f"{path}: missing key {key!r}")
    if raw["id"] != path.stem:
        raise CatalogError(f"{path}: id {raw['id']!r} must equal the file name {path.stem!r}")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", raw["id"]):
        raise CatalogError(f"{path}: id must be lower-case letters, digits and _ (it names a store table)")
    if raw["geometry_type"] not in GEOMETRY_TYPES:
        raise CatalogError(f"{path}: geometry_type must be one of {', '.join(GEOMETRY_TYPES)}")
    raw_fields: dict = {}
    for set_name in raw.get("field_sets", []):
        if set_name not in field_sets:
            raise CatalogError(f"{path}: unknown field set {set_name!r} (expected layers/catalog/_{set_name}.toml)")
        raw_fields.update(field_sets[set_name])
    raw_fields.update(raw.get("fields", {}))
    fields = {name: _field(path, name, spec) for name, spec in raw_fields.items()}
    if raw["id_field"] not in fields:
        raise CatalogError(f"{path}: id_field {raw['id_field']!r} is not a field")
    sources = []
    for src in raw.get("sources", []):
        try:
            sources.append(Source(root / src["path"], crs_mod.normalise_crs(src.get("crs", "WGS84"))))
        except (KeyError, crs_mod.UnknownCRS) as exc:
            raise CatalogError(f"{path}: bad source {src!r}: {exc}") from None
    return LayerSpec(
        id=raw["id"],
        title_zh=raw["title_zh"],
        title_en=raw["title_en"],
        geometry_type=raw["geometry_type"],
        id_field=raw["id_field"],
        fields=fields,
        sources=sources,
        provenance=raw["provenance"],
        style=raw.get("style", {}),
        role=raw.get("role", "facility"),
        order=raw.get("order", 100),
        osm=raw.get("osm"),
        spec_file=path,
        allow_water=_flag(path, raw, "allow_water"),
    )


def _flag(path: Path, raw: dict, key: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise CatalogError(f"{path}: {key} must be true or false, not {value!r}")
    return value


def load_catalog(root: Path | str) -> Catalog:
    """Every layer described under root/catalog, in their `order`; root is the layers/ folder."""
    root = Path(root)
    folder = root / "catalog"
    if not folder.is_dir():
        raise CatalogError(f"{folder}: no catalog folder")
    files = sorted(folder.glob("*.toml"))
    field_sets = {p.stem[1:]: _read_toml(p).get("fields", {}) for p in files if p.stem.startswith("_")}
    layers = [_layer(p, _read_toml(p), field_sets, root) for p in files if not p.stem.startswith("_")]
    layers.sort(key=lambda spec: (spec.order, spec.id))
    catalog = Catalog(root=root, layers={spec.id: spec for spec in layers})
    roles = [spec.id for spec in layers if spec.role == "units"]
    if len(roles) != 1:
        raise CatalogError(f'{folder}: exactly one layer must have role = "units", found {roles}')
    return catalog
