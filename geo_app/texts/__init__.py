"""Messages that services hand to pages and API clients: a code, its values, and templates in both languages.

A service (siting) says *what* happened as a code with values; the API answers the English text with the code and
values beside it, and a page renders the same code in its own language (the page scripts receive TEMPLATES).
Values are formatted by the service (numbers as they should read) and inserted as text, never as markup.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# code: (Chinese, English); {name} marks a value.
TEMPLATES = {
    # how a siting run ended
    "optimal": ("最优解", "optimal"),
    "time_limit": ("已到时间上限(给出找到的最好方案)", "stopped at the time limit (best found)"),
    "time_limit_fewer": ("已到时间上限(给出找到的最好方案;更少的站点也许就够)",
                         "stopped at the time limit (best found; fewer sites may suffice)"),
    "nothing_to_do": ("无需新增:现有设施已覆盖全部需求", "nothing to do: existing facilities cover all demand"),
    "target_reached": ("无需新增:现有设施已达到目标", "nothing to do: existing facilities reach the target"),
    # what a run simplified
    "demand_lattice": ("需求点间距改为 {spacing} 米(默认 {default} 米;区域过大)",
                       "demand lattice at {spacing} m instead of {default} m (area too large)"),
    "covered_set_aside": ("{count} 个已被现有设施覆盖的需求点不参与求解",
                          "{count} demand points already covered by existing facilities set aside"),
    "demand_aggregated": ("未覆盖需求由 {before} 个点聚合为 {after} 个({cell} 米网格,加权中心)",
                          "uncovered demand aggregated from {before} to {after} points ({cell} m cells, weighted centres)"),
    "candidates_dropped": ("去掉了 {count} 个够不到任何未覆盖需求的候选点",
                           "{count} candidates that reach no uncovered demand dropped"),
    "candidates_thinned": ("候选点由 {before} 个抽稀为 {after} 个(每 {every} 米一个),以不超过 {limit} 个",
                           "candidates thinned from {before} to {after} (every {every} m) to stay within {limit}"),
    # why a run cannot be done as asked
    "lattice_too_fine": ("候选点间距 {spacing} 米覆盖 {area} km² 约需 {count} 个候选点,超过单次上限 {limit} 个;"
                         "该区域允许的最小间距为 {smallest} 米",
                         "a {spacing} m candidate spacing over {area} km² would build about {count} candidates, more "
                         "than the {limit} a run may build; the smallest spacing allowed for this area is {smallest} m"),
    "demand_unknown": ("需求 {demand}:请选择网格、面积,或已载入图层的 <图层>:<数值字段>",
                       "demand {demand}: give grids, area, or <layer>:<numeric column> of a loaded layer"),
    "demand_not_numeric": ("需求 {demand}:字段 {column} 不含数值", "demand {demand}: column {column} holds no numbers"),
    "no_demand": ("所选区内没有需求(没有巡查网格或权重)",
                  "the chosen districts hold no demand (no grid-patrol areas or weights there)"),
    "candidates_unknown": ("候选点 {candidates}:请选择格点或已载入的点图层",
                           "candidates {candidates}: give lattice or a loaded point layer"),
    "infeasible": ("求解器判定问题无解", "the solver found the problem infeasible"),
    "no_solution": ("求解器在 {limit} 秒时间上限内未找到解({status});请少选几个区或加大候选点间距",
                    "the solver stopped without a solution ({status}) within the time limit of {limit} s; choose "
                    "fewer districts or a wider candidate spacing"),
    "no_candidate_reaches": ("没有候选点能够到未覆盖的需求:以这些候选点、{radius} 半径最多覆盖 {best}% 的需求",
                             "no candidate lies within reach of uncovered demand: with these candidates a {radius} "
                             "radius can cover at most {best}% of demand"),
    "full_coverage_impossible": ("无法全覆盖:以这些候选点、{radius} 半径最多覆盖 {best}% 的需求",
                                 "full coverage is impossible: with these candidates a {radius} radius can cover at "
                                 "most {best}% of demand"),
    "target_out_of_reach": ("覆盖率 {target}% 无法达到:以这些候选点、{radius} 半径最多覆盖 {best}% 的需求",
                            "a coverage of {target}% is out of reach: with these candidates a {radius} radius can "
                            "cover at most {best}% of demand"),
    "internal_error": ("求解因内部错误失败(服务器已记录)", "the run failed with an internal error (logged by the server)"),
    "memory_limit": ("本次求解所需内存超过单次上限 {mb} MB;请少选几个区或加大候选点间距",
                     "the run needed more than the {mb} MB of memory a run may use (GEO_APP_SITING_MAX_MEMORY_MB): "
                     "choose fewer districts or a wider candidate spacing"),
}


@dataclass(frozen=True)
class Message:
    code: str
    values: dict = field(default_factory=dict)

    def text(self, english: bool = True) -> str:
        zh, en = TEMPLATES[self.code]
        return (en if english else zh).format(**self.values)

    def detail(self) -> dict:
        """What a page needs to say it in its own language."""
        return {"code": self.code, "values": self.values}

    def as_json(self) -> dict:
        """For API answers: the English text, and the code and values a page renders in its language."""
        return {**self.detail(), "text": self.text()}


def message(code: str, **values) -> Message:
    if code not in TEMPLATES:
        raise KeyError(f"no message template {code!r}")
    return Message(code, {name: str(value) for name, value in values.items()})


def templates(english: bool) -> dict[str, str]:
    """Every template in one language (for page scripts)."""
    return {code: pair[english] for code, pair in TEMPLATES.items()}
