"""Display of the quantitative items (益阳 第十二条, 贵阳 三(三)7): labelled figures, never raw
keys."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def _join(values) -> str:
    return "、".join(str(v) for v in values)


# Figure key -> a sentence with its unit. Keys the policy adds later still show, labelled by
# the key's own words, so the page never prints `key=value`.
_FIGURES = {
    "progress_percent": lambda v: _("已完成协议内容的 %(v)s%%") % {"v": v},
    "by_quarter": lambda v: _("各季度在站 %(v)s 天") % {"v": _join(v)},
    "total": lambda v: _("全年在站 %(v)s 天") % {"v": v},
    "surveys": lambda v: _("调查研究 %(v)s 次") % {"v": v},
    "survey_results": lambda v: _("调研成果 %(v)s 份") % {"v": v},
    "trainings": lambda v: _("培训 %(v)s 场") % {"v": v},
    "qualifying_trainings": lambda v: _("其中达到人次要求 %(v)s 场") % {"v": v},
    "trainees": lambda v: _("各场人次：%(v)s") % {"v": _join(v) or "—"},
    "breakthroughs": lambda v: _("技术攻关 %(v)s 次") % {"v": v},
    "problems_solved": lambda v: _("破解难题 %(v)s 个") % {"v": v},
    "achievements_transferred": lambda v: _("转化成果 %(v)s 项") % {"v": v},
    "demands_served": lambda v: _("服务技术需求 %(v)s 项") % {"v": v},
    "experts": lambda v: _("进站专家 %(v)s 人") % {"v": v},
    "outside_experts": lambda v: _("其中省外专家 %(v)s 人") % {"v": v},
}
_HIDDEN = {"required", "required_outside"}  # already said by the requirement column


@register.filter
def measured(item: dict) -> list[str]:
    """Return the item's measured figures as short labelled sentences."""
    lines = []
    for key, value in (item.get("figures") or {}).items():
        if key in _HIDDEN:
            continue
        render = _FIGURES.get(key)
        if render is None:
            shown = _join(value) if isinstance(value, list | tuple) else value
            lines.append(f"{key.replace('_', ' ')}: {shown}")
        else:
            lines.append(render(value))
    return lines


@register.filter
def data_label(value) -> str:
    """Translate a label declared as data (a policy's Chinese label) when a translation exists."""
    return _(str(value)) if value else ""
