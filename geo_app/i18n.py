"""Interface text in Chinese (default) and English. `?lang=en` switches and is remembered in a cookie."""
from __future__ import annotations

from flask import request

LANGUAGES = ("zh", "en")

STRINGS = {
    "service": ("苏州市市容市政 地图服务", "Suzhou city-management maps"),
    "public_map": ("设施地图", "Facilities"),
    "grid_map": ("网格巡查", "Grid patrol"),
    "districts": ("各区统计", "Districts"),
    "plan": ("规划", "Planning"),
    "data": ("数据", "Data"),
    "layers": ("图层", "Layers"),
    "filters": ("筛选", "Filters"),
    "legend": ("图例", "Legend"),
    "basemap": ("底图", "Basemap"),
    "language": ("English", "中文"),
    "demo_notice": ("示例数据:设施与网格为演示生成,非官方数据。", "Demo data (示例数据): facilities and grids are generated, not official."),
    "accessible": ("无障碍", "Accessible"),
    "free": ("免费", "Free"),
    "open_now": ("现在开放", "Open now"),
    "family_room": ("第三卫生间", "Family room"),
    "park_ride": ("P+R 换乘", "Park and ride"),
    "min_capacity": ("最少泊位/桩位", "Minimum capacity"),
    "bikes_available": ("有车可借", "Bikes to rent"),
    "docks_available": ("有位可还", "Docks to return"),
    "nearest": ("最近设施", "Nearest"),
    "nearest_help": ("点击地图或定位,查找最近的 5 处", "Click the map or locate yourself to list the 5 nearest"),
    "locate_me": ("定位我", "Locate me"),
    "search": ("搜索名称", "Search by name"),
    "search_button": ("搜索", "Search"),
    "no_results": ("没有结果", "No results"),
    "metres": ("米", "m"),
    "toilets": ("公共厕所", "Public toilets"),
    "bike_stations": ("公共自行车", "Public bikes"),
    "parking_lots": ("停车场", "Parking lots"),
    "street_parking": ("路内泊位", "On-street parking"),
    "refuse_stations": ("垃圾转运", "Refuse stations"),
    "grids": ("网格", "Grids"),
    "grid_find": ("查找网格", "Find a grid"),
    "grid_help": ("点击网格查看其中设施与比较;或输入经纬度", "Click a grid to see what lies in it and how it compares; or enter lon/lat"),
    "grid_zoom": ("放大后显示网格", "Zoom in to see the grids"),
    "district": ("区", "District"),
    "all_districts": ("全部", "All"),
    "lon": ("经度", "Longitude"),
    "lat": ("纬度", "Latitude"),
    "find": ("查找", "Find"),
    "statistic": ("统计指标", "Statistic"),
    "show": ("显示", "Show"),
    "all_units": ("全部统计单元", "All units"),
    "no_boundary": ("无边界数据", "no boundary loaded"),
    "report_figures": ("工作报告数据", "Report figures"),
    "own_figures": ("本区数据", "Figures of this unit"),
    "group_figures": ("所属组合的数据(整体数据,不分摊到各区)", "Figures of its groups (whole-group figures, not divided)"),
    "section": ("章节", "Section"),
    "indicator": ("指标", "Indicator"),
    "value": ("数值", "Value"),
    "kind": ("类型", "Kind"),
    "period": ("时期", "Period"),
    "progress": ("进度", "Progress"),
    "facility_type": ("设施类型", "Facility type"),
    "radius": ("服务半径", "Service radius"),
    "coverage": ("覆盖率", "Coverage"),
    "uncovered": ("未覆盖区域", "Not covered"),
    "covered": ("服务范围", "Service area"),
    "source": ("来源", "Source"),
    "count": ("数量", "Count"),
    "per_km2": ("每km²", "per km²"),
    "rank": ("区内排名", "Rank"),
    "district_average": ("区均/km²", "District avg/km²"),
    "area": ("面积", "Area"),
    "code": ("编码", "Code"),
    "name": ("名称", "Name"),
    "apply": ("应用", "Apply"),
    "loading": ("加载中…", "Loading…"),
    "error": ("出错了", "Something went wrong"),
    "kind_actual": ("上半年完成", "H1 actual"),
    "kind_target": ("目标", "Target"),
    "kind_plan": ("下半年计划", "H2 plan"),
    "approximate": ("约", "approx."),
    "back": ("返回", "Back"),
    "siting": ("新设施选址", "Site new facilities"),
    "siting_help": ("在所选区内,保留现有设施,求 k 个新址覆盖最多需求(MCLP),或达到目标覆盖率所需最少新址", "In the chosen districts, keeping existing facilities: k new sites covering the most demand (MCLP), or the fewest reaching a target coverage"),
    "new_sites": ("新址数 k", "New sites k"),
    "target": ("目标覆盖率 %", "Target coverage %"),
    "spacing": ("候选点间距 (米)", "Candidate spacing (m)"),
    "run": ("计算", "Run"),
    "running": ("计算中…", "Solving…"),
    "before": ("之前", "Before"),
    "after": ("之后", "After"),
    "export": ("导出", "Export"),
    "save": ("保存方案", "Save scenario"),
    "scenario_name": ("方案名称", "Scenario name"),
    "scenarios": ("已保存方案", "Saved scenarios"),
    "open": ("打开", "Open"),
    "delete": ("删除", "Delete"),
    "simplified": ("简化", "Simplified"),
    "seconds": ("秒", "s"),
    "default_radius": ("默认(按标准)", "default (standards)"),
}


def lang() -> str:
    chosen = request.args.get("lang") or request.cookies.get("lang") or "zh"
    return chosen if chosen in LANGUAGES else "zh"


def t(key: str) -> str:
    zh, en = STRINGS[key]
    return en if lang() == "en" else zh


def strings() -> dict[str, str]:
    """All strings in the current language (for page scripts)."""
    return {key: t(key) for key in STRINGS}
