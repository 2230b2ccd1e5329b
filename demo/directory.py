"""The city's directory from its fixture: societies, host units, experts, credit flags, stations."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from stations.models import (
    City,
    CreditFlag,
    District,
    Expert,
    HostUnit,
    Society,
    SocietyInspection,
    Station,
    StationExpert,
    StationStaff,
    StationStatusChange,
)

from .clock import demo_clock
from .common import (
    TZ,
    DemoResult,
    _bank_branch,
    _contact_values,
    _date,
    _upsert,
    demo_bank_account,
    demo_mobile,
)

# --------------------------------------------------------------------------- writes


def _load_societies(city: City, data: dict, result: DemoResult) -> dict[str, Society]:
    societies: dict[str, Society] = {}
    for spec in data["societies"]:
        seed = f"{city.code}:{spec['name']}"
        values = {
            "level": spec["level"],
            "parent": societies[spec["parent"]] if spec.get("parent") else None,
            "branch_kind": spec.get("branch_kind", ""),
            "discipline": spec["discipline"],
            "supervising_cast": spec["supervising_cast"],
            "rating": spec.get("rating", ""),
            "legal_rep": spec.get("legal_rep", ""),
            "legal_rep_title": spec.get("legal_rep_title", ""),
            "duties": spec.get("duties", ""),
            "bank_account_name": spec["name"],
            "bank_name": spec.get("bank_name") or _bank_branch(spec.get("address", "")),
            "bank_account_no": demo_bank_account(seed, 17),
            **_contact_values(spec, seed),
        }
        society, created = _upsert(Society, {"city": city, "name": spec["name"]}, values)
        result.count("学会", created)
        for year, outcome in spec.get("inspections", {}).items():
            year = int(year) + demo_clock().inspection_offset
            _, created = _upsert(
                SocietyInspection, {"society": society, "year": year}, {"result": outcome}
            )
            result.count("年检结果", created)
        societies[spec["name"]] = society
    return societies


def _load_host_units(
    city: City, data: dict, districts: dict[str, District], result: DemoResult
) -> dict[str, HostUnit]:
    hosts: dict[str, HostUnit] = {}
    for spec in data["host_units"]:
        code = spec["credit_code"].upper()
        values = {
            "name": spec["name"],
            "district": districts[spec["district"]],
            "nature": spec["nature"],
            "legal_rep": spec["legal_rep"],
            "registered_city": spec.get("registered_city", f"{city.name}市"),
            "industry": spec.get("industry", ""),
            "industry_fields": spec.get("industry_fields", ""),
            "is_legal_person": spec.get("is_legal_person", True),
            "has_own_cast": spec.get("has_own_cast", False),
            "has_expert_workstation": spec.get("has_expert_workstation", False),
            "profile": spec.get("profile", ""),
            "bank_account_name": spec["name"],
            "bank_name": spec.get("bank_name", ""),
            "bank_account_no": demo_bank_account(code),
            **_contact_values(spec, f"{city.code}:{code}"),
        }
        host, created = _upsert(HostUnit, {"city": city, "credit_code": code}, values)
        result.count("建站单位", created)
        hosts[spec["name"]] = host
    return hosts


def _load_experts(
    city: City, data: dict, societies: dict[str, Society], result: DemoResult
) -> dict[str, Expert]:
    experts: dict[str, Expert] = {}
    for spec in data["experts"]:
        values = {
            "society": societies[spec["society"]] if spec.get("society") else None,
            "title": spec["title"],
            "field": spec["field"],
            "province": spec["province"],
            "mobile": spec.get("mobile") or demo_mobile(f"{city.code}:expert:{spec['name']}"),
            "email": spec.get("email", ""),
            "bio": spec.get("bio")
            or f"{spec['employer']}{spec['title']}，从事{spec['field']}研究。",
            "is_reviewer": spec.get("is_reviewer", False),
        }
        lookup = {"city": city, "name": spec["name"], "employer": spec["employer"]}
        expert, created = _upsert(Expert, lookup, values)
        result.count("专家", created)
        experts[spec["name"]] = expert
    return experts


def _load_credit_flags(
    data: dict,
    societies: dict[str, Society],
    hosts: dict[str, HostUnit],
    experts: dict[str, Expert],
    result: DemoResult,
) -> None:
    for spec in data.get("credit_flags", []):
        lookup = {
            "kind": spec["kind"],
            "recorded_on": _date(spec["recorded_on"]),
            "society": societies.get(spec.get("society")),
            "host_unit": hosts.get(spec.get("host_unit")),
            "expert": experts.get(spec.get("expert")),
        }
        values = {
            "party": spec.get("party", "organisation"),
            "source": spec["source"],
            "lifted_on": _date(spec.get("lifted_on")),
            "note": spec.get("note", ""),
        }
        _, created = _upsert(CreditFlag, lookup, values)
        result.count("信用记录", created)


def _changed_at(day: date, index: int) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=TZ) + timedelta(minutes=index)


def _load_station(
    city: City,
    spec: dict,
    *,
    districts: dict[str, District],
    societies: dict[str, Society],
    hosts: dict[str, HostUnit],
    experts: dict[str, Expert],
    result: DemoResult,
) -> Station:
    history = spec["history"]
    existing = Station.objects.filter(city=city, name=spec["name"]).first()
    # Status and its history are seeded once; afterwards the workflow owns them, so a
    # re-run never undoes a transition someone made in the running demo.
    seed_status = existing is None or not existing.status_changes.exists()
    head = spec.get("head", {})
    values = {
        "district": districts[spec["district"]],
        "society": societies[spec["society"]],
        "host_unit": hosts[spec["host_unit"]],
        "level": spec["level"],
        "program": spec["program"],
        "certificate_no": spec.get("certificate_no", ""),
        "certified_on": _date(spec.get("certified_on")),
        "industry": spec.get("industry", ""),
        "discipline": spec.get("discipline", ""),
        "agreement_signed_on": _date(spec.get("agreement_signed_on")),
        "term_start": _date(spec.get("term_start")),
        "term_end": _date(spec.get("term_end")),
        "agreement_content": spec.get("agreement_content", ""),
        "head_name": head.get("name", ""),
        "head_title": head.get("title", ""),
        "head_mobile": head.get("mobile") or demo_mobile(f"{city.code}:head:{head.get('name')}"),
    }
    if seed_status:
        values["status"] = history[-1][0]
    station, created = _upsert(Station, {"city": city, "name": spec["name"]}, values)
    result.count("服务站", created)

    if seed_status:
        previous = ""
        for index, (to_status, day, reason, clause) in enumerate(history):
            _, created = _upsert(
                StationStatusChange,
                {
                    "station": station,
                    "to_status": to_status,
                    "changed_at": _changed_at(_date(day), index),
                },
                {"from_status": previous, "reason": reason, "clause": clause},
            )
            result.count("状态变更", created)
            previous = to_status

    default_join = values["agreement_signed_on"] or values["term_start"]
    for member in spec.get("team", []):
        _, created = _upsert(
            StationExpert,
            {
                "station": station,
                "expert": experts[member["expert"]],
                "joined_on": _date(member.get("joined_on")) or default_join,
            },
            {"role": member.get("role", "member"), "left_on": _date(member.get("left_on"))},
        )
        result.count("专家团队成员", created)

    for person in spec.get("staff", []):
        _, created = _upsert(
            StationStaff,
            {"station": station, "name": person["name"]},
            {
                "position": person["position"],
                "mobile": person.get("mobile")
                or demo_mobile(f"{city.code}:staff:{person['name']}"),
            },
        )
        result.count("工作人员", created)
    return station
