"""Yichang's territory, from ../shared/reference/divisions.md (GB/T 2260, NBS 2021–2023 edition).

County-level codes and the listed streets/towns are official. 宜昌高新区 is a functional zone
with no official code: it gets the internal code `GX4205`, which cannot collide with a 6-digit
official code, and is marked non-official. Communities are NOT in the reference: the loader
invents plausible names for the demo and marks every one `is_invented=True`.
"""

CITY = ("420500", "宜昌市")

# (code, name, weight) — weight is the relative number of urban residential projects, used to
# spread demo projects "in proportion to size" (urban districts hold most managed estates).
COUNTIES = [
    ("420502", "西陵区", 22),
    ("420503", "伍家岗区", 14),
    ("420504", "点军区", 4),
    ("420505", "猇亭区", 4),
    ("420506", "夷陵区", 12),
    ("420525", "远安县", 3),
    ("420526", "兴山县", 2),
    ("420527", "秭归县", 4),
    ("420528", "长阳土家族自治县", 4),
    ("420529", "五峰土家族自治县", 2),
    ("420581", "宜都市", 7),
    ("420582", "当阳市", 7),
    ("420583", "枝江市", 8),
]
HIGH_TECH_ZONE = ("GX4205", "宜昌高新区", 7)

STREETS = {
    "420502": [("001", "西陵街道"), ("002", "学院街道"), ("003", "云集街道"), ("004", "西坝街道"),
               ("005", "葛洲坝街道"), ("006", "夜明珠街道"), ("007", "东苑街道"), ("008", "南苑街道"),
               ("009", "北苑街道"), ("010", "窑湾街道")],
    "420503": [("001", "大公桥街道"), ("002", "万寿桥街道"), ("003", "宝塔河街道"), ("004", "伍家岗街道"),
               ("201", "伍家乡")],
    "420504": [("001", "点军街道"), ("101", "艾家镇"), ("102", "桥边镇")],
    "420505": [("001", "古老背街道"), ("002", "虎牙街道"), ("003", "云池街道")],
    "420506": [("001", "小溪塔街道"), ("107", "龙泉镇"), ("401", "三峡坝区")],
    "420581": [("001", "陆城街道")],
    "420582": [("001", "玉阳街道"), ("002", "坝陵街道"), ("003", "玉泉街道")],
    "420583": [("001", "马家店街道"), ("102", "白洋镇")],
    "420525": [("101", "鸣凤镇")],
    "420526": [("101", "古夫镇")],
    "420527": [("101", "茅坪镇")],
    "420528": [("101", "龙舟坪镇")],
    "420529": [("111", "渔洋关镇")],
}
# The zone's sub-units are not in the reference either: invented, internal codes.
HIGH_TECH_ZONE_UNITS = [("001", "东山园区"), ("002", "白洋园区")]

# Stems for invented community names (社区). Real-sounding, deliberately generic.
COMMUNITY_STEMS = [
    "桃花岭", "滨江", "福绥", "铁路坝", "樵湖", "珍珠", "绿萝", "西湖", "环城", "葛洲", "镇川", "长虹",
    "紫阳", "隆康", "文佳", "东湖", "宝塔", "万寿", "城东", "和平", "松湖", "明珠", "白龙", "江南",
    "金竹", "青岛", "夷陵", "杨岔", "柏临", "沿江", "梅岭", "书院", "丽景", "星湖", "紫薇", "清江",
    "云台", "望洲", "龙泉", "丹阳", "凤凰", "桂花", "南湖", "锦绣", "新华", "朝阳", "平湖", "双虹",
]
