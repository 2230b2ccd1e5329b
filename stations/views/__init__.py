"""Browser pages of the stations app, split by object (stations, directory, activity).

The names stations.urls, other apps (reports.exports) and tests import stay importable
from `stations.views`.
"""

from ._common import (
    DETAIL_URLS,
    LIST_URLS,
    PAGE_SIZE,
    apply_sort,
    forbidden,
)
from .activity import (
    ACTIVITY_ORDER,
    activity_create,
    activity_edit,
    activity_list,
    evidence_download,
)
from .directory import (
    EXPERT_ORDER,
    HOST_UNIT_ORDER,
    SOCIETY_ORDER,
    expert_create,
    expert_detail,
    expert_edit,
    expert_list,
    host_unit_create,
    host_unit_detail,
    host_unit_edit,
    host_unit_list,
    society_create,
    society_detail,
    society_edit,
    society_list,
)
from .stations import (
    STATION_ORDER,
    station_create,
    station_detail,
    station_edit,
    station_list,
    station_set_status,
)

__all__ = [
    "ACTIVITY_ORDER",
    "DETAIL_URLS",
    "EXPERT_ORDER",
    "HOST_UNIT_ORDER",
    "LIST_URLS",
    "PAGE_SIZE",
    "SOCIETY_ORDER",
    "STATION_ORDER",
    "activity_create",
    "activity_edit",
    "activity_list",
    "apply_sort",
    "evidence_download",
    "expert_create",
    "expert_detail",
    "expert_edit",
    "expert_list",
    "forbidden",
    "host_unit_create",
    "host_unit_detail",
    "host_unit_edit",
    "host_unit_list",
    "society_create",
    "society_detail",
    "society_edit",
    "society_list",
    "station_create",
    "station_detail",
    "station_edit",
    "station_list",
    "station_set_status",
]
