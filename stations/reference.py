"""The five program cities and their counties/districts (县市区): reference data, not demo data."""

CITIES = [
    {
        "code": "shenyang",
        "name": "沈阳",
        "province": "辽宁省",
        "districts": [
            "和平区",
            "沈河区",
            "大东区",
            "皇姑区",
            "铁西区",
            "苏家屯区",
            "浑南区",
            "沈北新区",
            "于洪区",
            "辽中区",
            "新民市",
            "康平县",
            "法库县",
        ],
    },
    {
        "code": "yiyang",
        "name": "益阳",
        "province": "湖南省",
        "districts": [
            "资阳区",
            "赫山区",
            "沅江市",
            "南县",
            "桃江县",
            "安化县",
            "大通湖区",
            "益阳高新区",
        ],
    },
    {
        "code": "lianyungang",
        "name": "连云港",
        "province": "江苏省",
        "districts": ["连云区", "海州区", "赣榆区", "东海县", "灌云县", "灌南县"],
    },
    {
        "code": "guiyang",
        "name": "贵阳",
        "province": "贵州省",
        "districts": [
            "南明区",
            "云岩区",
            "花溪区",
            "乌当区",
            "白云区",
            "观山湖区",
            "清镇市",
            "开阳县",
            "息烽县",
            "修文县",
        ],
    },
    {
        "code": "hangzhou",
        "name": "杭州",
        "province": "浙江省",
        "districts": [
            "上城区",
            "拱墅区",
            "西湖区",
            "滨江区",
            "萧山区",
            "余杭区",
            "临平区",
            "钱塘区",
            "富阳区",
            "临安区",
            "建德市",
            "桐庐县",
            "淳安县",
        ],
    },
]


def ensure_reference_cities(city_model, district_model) -> None:
    """Create or update the cities and districts; safe to run any number of times."""
    for spec in CITIES:
        city, _ = city_model.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "province": spec["province"],
                "policy_code": spec["code"],
            },
        )
        for name in spec["districts"]:
            district_model.objects.get_or_create(city=city, name=name)
