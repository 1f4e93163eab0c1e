"""Interface text in Chinese (default) and English. `?lang=en` switches and is remembered in a cookie."""
from __future__ import annotations

import re

from flask import g, request

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
    "siting_help": ("在所选区内,保留现有设施,求 k 个新址覆盖最多需求(最大覆盖模型),或达到目标覆盖率所需最少新址", "In the chosen districts, keeping existing facilities: k new sites covering the most demand (MCLP), or the fewest reaching a target coverage"),
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
    "default_radius": ("按标准", "standards"),
    "demand": ("需求", "Demand"),
    "demand_grids": ("巡查区域面积", "Patrolled area"),
    "demand_area": ("辖区全部面积", "Whole district area"),
    "candidates": ("候选位置", "Candidate sites"),
    "candidates_lattice": ("规则格点(按间距)", "Lattice (at the spacing)"),
    "stage_starting": ("准备", "Starting"),
    "stage_demand": ("需求点", "Demand"),
    "stage_candidates": ("候选点", "Candidates"),
    "stage_solve": ("求解", "Solve"),
    "stage_measure": ("精确量算", "Measure"),
    "cancel": ("取消", "Cancel"),
    "cancelled": ("已取消", "Cancelled"),
    "busy": ("同时进行的计算已达上限,请 {s} 秒后重试", "The server runs as many solves as it allows; try again in {s} s"),
    "measure_patrolled_area": ("巡查区域覆盖率", "Coverage of the patrolled area"),
    "measure_district_area": ("辖区面积覆盖率", "Coverage of the district's area"),
    "measure_demand_weight": ("需求权重覆盖率", "Coverage of the demand weight"),
    "method_note": ("新址在需求格点上优化求得;覆盖率与各新址增量在求解后按几何精确量算(服务圆并集 ∩ 需求区域,EPSG:4549),可由导出坐标复核。",
                    "Sites are optimised on a demand lattice; coverage and each site's gain are then measured exactly on geometry (union of service circles ∩ demand area, EPSG:4549) and can be reproduced from the exported coordinates."),
    "site": ("新址", "Site"),
    "adds": ("增加", "Adds"),
    "not_found": ("找不到该页面或数据", "Not found"),
    "bad_request": ("请求参数有误", "Bad request"),
    "server_error": ("服务暂时不可用", "Service unavailable"),
    "error_detail": ("详细原因", "Details"),
    "counts_include": ("数量仅含运营中的设施;列表含全部状态", "Counts include operational facilities only; the lists show every status"),
    "legend_inactive": ("虚线边框:在建或规划", "Dashed outline: under construction or planned"),
    "cluster_hint": ("数字为该处聚合的设施数,放大可分开", "A number is how many facilities are grouped there; zoom in to separate them"),
    "open_24_7": ("全天开放", "Open 24/7"),
    "no_boundary_note": ("边界数据尚未导入,计算类指标暂缺;报告数据完整保留。", "No boundary loaded: computed figures are missing until one is imported; its report figures are all kept."),
    "district_map": ("地图", "Map"),
    "selected_grid": ("所选网格", "Chosen grid"),
    "locate_failed": ("无法获取您的位置:请允许定位,或点击地图", "Your position is not available: allow location access, or click the map"),
    "no_grid_here": ("此处不在任何巡查网格内", "No grid-patrol area here"),
    "needs_key": ("需密钥", "needs a key"),
    "api_districts": ("各区统计", "Per-district statistics"),
    "api_report": ("工作报告指标", "Report indicators"),
    "api_layers": ("图层目录", "Layer catalog"),
    "sources": ("数据来源", "Sources"),
    "layer": ("图层", "Layer"),
    "features": ("要素数", "Features"),
    "licence": ("许可", "Licence"),
    "demo": ("示例", "demo"),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "user_name": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "login_help": ("登录后可按您的角色保存和修改数据。浏览公开数据无需登录。", "Log in to save and change data as your role allows. Public data needs no login."),
    "login_failed": ("用户名或密码不正确。", "Wrong user name or password."),
    "login_disabled": ("该账户已停用。", "This account is disabled."),
    "login_to_save": ("登录后可保存方案", "Log in to save scenarios"),
    "role_admin": ("管理员", "admin"),
    "role_planner": ("规划人员", "planner"),
    "role_supervisor": ("监督员", "supervisor"),
    "role_dispatcher": ("派遣员", "dispatcher"),
    "role_handler": ("处置人员", "handler"),
}

# Units as the statistics and the report name them, as a page shows them.
UNITS = {
    "count": ("个", "count"), "rows": ("条", "rows"), "berths": ("个泊位", "berths"), "per km²": ("个/km²", "per km²"),
    "泊位数": ("个泊位", "berths"), "桩位数": ("个桩位", "docks"), "t": ("吨", "t"), "t/d": ("吨/日", "t/d"),
    "month": ("个月", "months"), "day": ("天", "days"), "件/km²": ("件/km²", "cases per km²"),
}
HALVES = {"H1": ("上半年", "H1"), "H2": ("下半年", "H2")}

# Cases (数字城管) on the map pages: reporting a problem, a grid's queue, a case's detail and its steps
STRINGS.update({
    "report_problem": ("上报问题", "Report a problem"),
    "report_public_title": ("问题上报", "Report a problem"),
    "report_patrol_title": ("监督员上报(巡查)", "Supervisor report (patrol)"),
    "report_choose_class": ("选择问题类别(随后拍照)", "Choose the problem (then take a photo)"),
    "report_more_classes": ("其他类别…", "Other classes…"),
    "report_take_photo": ("拍照或选择照片", "Take or choose a photo"),
    "report_description": ("描述(可选)", "Description (optional)"),
    "report_submit": ("提交", "Submit"),
    "report_sending": ("正在提交…", "Sending…"),
    "report_locating": ("正在定位…", "Locating…"),
    "report_at_gps": ("位置:卫星定位(±{m} 米)", "Position: GPS (±{m} m)"),
    "report_at_centre": ("位置:地图中心(无定位;移动地图可调整)", "Position: the map centre (no GPS; move the map to change it)"),
    "report_at_tap": ("位置:您在地图上点的位置", "Position: the point you tapped on the map"),
    "report_at_facility": ("位置:该设施", "Position: the facility"),
    "report_need_class": ("请先选择问题类别", "Choose the problem first"),
    "report_done": ("已上报,案件编号", "Reported: case number"),
    "report_token": ("查询凭证", "Receipt"),
    "report_follow": ("查看处理进度", "Follow its progress"),
    "report_close": ("关闭", "Close"),
    "report_wrong_data": ("信息有误?上报", "Data wrong? Report it"),
    "report_wrong_about": ("设施信息有误", "Facility data wrong"),
    "refusal_400": ("请检查输入", "Please check the input"),
    "refusal_401": ("请先登录", "Please log in first"),
    "refusal_403": ("您的角色、网格或部门不允许这样做", "Your role, grid or department does not allow this"),
    "refusal_404": ("未找到该案件", "No such case"),
    "refusal_409": ("别人已先修改了此案件:已重新载入,请再确认", "Someone else changed it first: reloaded, please check again"),
    "refusal_413": ("照片太大", "The photo is too large"),
    "refusal_429": ("提交太频繁,请稍后再试", "Too many requests: try again later"),
    "refusal_other": ("服务暂时无法处理,请稍后再试", "The service could not do this: try again later"),
    "cases": ("案件", "Cases"),
    "case_queue": ("本网格待办案件", "This grid's open cases"),
    "case_queue_empty": ("本网格没有待办案件", "No open cases in this grid"),
    "case_overdue": ("超期", "Overdue"),
    "case_due": ("时限", "Due"),
    "case_reported_at": ("上报时间", "Reported"),
    "case_status": ("状态", "Status"),
    "case_class": ("类别", "Class"),
    "case_department": ("处置部门", "Department"),
    "case_address": ("地址", "Address"),
    "case_description": ("描述", "Description"),
    "case_history": ("处理过程", "History"),
    "case_photos": ("照片", "Photos"),
    "case_note": ("备注(可选)", "Note (optional)"),
    "case_actions": ("您可执行的操作", "What you can do"),
    "case_login_to_act": ("登录后按角色处理案件", "Log in to work on cases as your role"),
    "case_no_actions": ("您的角色当前无可执行操作", "Nothing for your role to do now"),
    "case_done": ("已完成", "Done"),
    "case_rework_count": ("返工次数", "Reworked"),
    "case_anonymous": ("匿名公众", "anonymous public"),
    "case_legend_open": ("待办案件", "Open cases"),
    "case_legend_overdue": ("超期案件", "Overdue cases"),
    "action_report": ("上报", "Report"),
    "action_accept": ("受理", "Accept"),
    "action_reject": ("不予立案", "Reject"),
    "action_register": ("立案", "Register"),
    "action_dispatch": ("派遣", "Dispatch"),
    "action_handle": ("处置完成", "Handled"),
    "action_verify": ("核查通过,结案", "Verified: close"),
    "action_rework": ("核查不通过,返工", "Not fixed: rework"),
    # a step in a case's history (past tense; the resulting status is added where it says more)
    "history_report": ("上报", "Reported"),
    "history_accept": ("受理", "Accepted"),
    "history_reject": ("不予立案", "Rejected"),
    "history_register": ("立案", "Registered"),
    "history_dispatch": ("派遣", "Dispatched"),
    "history_handle": ("处置", "Handled"),
    "history_verify": ("核查通过", "Verified"),
    "history_rework": ("核查不通过,返工", "Sent back for rework"),
})


def lang() -> str:
    """The page language, decided once per request (a page asks thousands of times)."""
    if "lang" not in g:
        chosen = request.args.get("lang") or request.cookies.get("lang") or "zh"
        g.lang = chosen if chosen in LANGUAGES else "zh"
    return g.lang


def t(key: str) -> str:
    zh, en = STRINGS[key]
    return en if lang() == "en" else zh


def unit(name) -> str:
    """A unit (from the statistics or the report) in the page language; symbols such as km², % and m as they are."""
    if name is None or name != name:
        return ""
    zh, en = UNITS.get(name, (name, name))
    return en if lang() == "en" else zh


def period(text: str) -> str:
    """A report period (2018H1, 2018, 2018-2020/yr, 2018-06/2019-06) in the page language."""
    english = lang() == "en"
    if m := re.fullmatch(r"(\d{4})(H[12])?", text):
        half = HALVES[m[2]][english] if m[2] else ""
        return f"{m[1]} {half}".strip() if english else f"{m[1]}年{half}"
    if m := re.fullmatch(r"(\d{4})-(\d{4})/yr", text):
        return f"{m[1]}–{m[2]}, per year" if english else f"{m[1]}—{m[2]}年(每年)"
    if m := re.fullmatch(r"(\d{4})-(\d{2})/(\d{4})-(\d{2})", text):
        return f"{m[1]}-{m[2]} to {m[3]}-{m[4]}" if english else f"{m[1]}年{int(m[2])}月至{m[3]}年{int(m[4])}月"
    return text


def strings() -> dict[str, str]:
    """All strings in the current language (for page scripts)."""
    return {key: t(key) for key in STRINGS}
