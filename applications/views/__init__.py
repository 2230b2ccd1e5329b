"""The applications views, one module per concern; urls.py and tests import them from here.

- calls: the calls for applications (list, create, edit, apply);
- applications: lists, edit/submit, detail and workflow actions, field inspection;
- attachments: download and delete an uploaded file;
- panels: the expert panel, paper score sheets, the expert's scoring page;
- notices: public notices, objections, a call's ranking;
- _common: helpers they share.
"""

from .applications import act, actions_for, detail, edit, inbox, inspection, my_applications
from .attachments import attachment_delete, attachment_download
from .calls import call_apply, call_create, call_edit, call_list
from .notices import call_ranking, notice_create, notice_detail, notice_list
from .panels import panel, panel_offline, score, score_sheet_download

__all__ = [
    "act",
    "actions_for",
    "attachment_delete",
    "attachment_download",
    "call_apply",
    "call_create",
    "call_edit",
    "call_list",
    "call_ranking",
    "detail",
    "edit",
    "inbox",
    "inspection",
    "my_applications",
    "notice_create",
    "notice_detail",
    "notice_list",
    "panel",
    "panel_offline",
    "score",
    "score_sheet_download",
]
