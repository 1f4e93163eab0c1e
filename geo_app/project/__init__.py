"""Everything under layers/ that describes the city: catalog, statistical units, standards, report table."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from geo_app.project.case_classes import FILE as CASE_CLASSES_FILE
from geo_app.project.case_classes import CaseCatalog
from geo_app.project.case_classes import load as load_case_catalog
from geo_app.project.case_phrases import FILE as CASE_PHRASES_FILE
from geo_app.project.case_phrases import Phrase
from geo_app.project.case_phrases import load as load_case_phrases
from geo_app.project.catalog import Catalog, load_catalog
from geo_app.project.report import load_report
from geo_app.project.standards import Standards, load_standards
from geo_app.project.units import Units, load_units

REPORT_FILE = "report/suzhou-2018-h1.csv"


@dataclass
class Project:
    root: Path

    @cached_property
    def catalog(self) -> Catalog:
        return load_catalog(self.root)

    @cached_property
    def units(self) -> Units:
        return load_units(self.root / "units.toml")

    @cached_property
    def standards(self) -> Standards:
        return load_standards(self.root / "standards.toml")

    @cached_property
    def cases(self) -> CaseCatalog:
        """The case classes, departments and time limits (layers/case_classes.toml)."""
        return load_case_catalog(self.root / CASE_CLASSES_FILE)

    @cached_property
    def phrases(self) -> tuple[Phrase, ...]:
        """The reply phrases (惯用语) per step and class (layers/case_phrases.toml)."""
        return load_case_phrases(self.root / CASE_PHRASES_FILE, self.cases)

    @cached_property
    def report(self) -> pd.DataFrame:
        return load_report(self.root / REPORT_FILE, self.units)
