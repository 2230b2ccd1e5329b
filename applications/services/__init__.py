"""Writes for applications, one module per concern; this package is their one public face.

Every function is keyword-only and atomic, checks applications.permissions itself (so a
forged request is refused even without a button), writes an audit row and queues
notifications on commit (accounts.services.notify). `application_transition` is the only
place a stage changes.

Modules: _common (errors, shared helpers), attachments, applications (calls, drafts,
check, quotas), transitions (guards, stage entry, station record, certification),
notifications (messages, reminders), blind (blind review, conflicts of interest),
reviews (assignments, draws, scores, inspections), notices (public notice, objections);
applications/panels.py (remove/replace a member, paper sheets) is re-exported too.
Underscore names are re-exported because other modules and tests use them; patch a name
in the module that uses it (e.g. applications.services.transitions.approved_at_stage).
"""

from policies.api import get_city_policy  # noqa: F401  (tests read rubrics through it)

from .. import permissions as perms  # noqa: F401
from ..calls import CallWindow, call_window, check_call_admin, merge_materials  # noqa: F401

# Panel services that keep a panel able to finish (remove, replace, offline sheets).
from ..panels import (  # noqa: F401
    assignment_remove,
    assignment_replace,
    experts_unable_to_act,
    offline_score_record,
    panel_members_unable_to_act,
)
from ._common import (  # noqa: F401
    ACTION_TEXT,
    ConflictOfInterest,
    StaleVersion,
    TransitionError,
    _finding_dict,
)
from .applications import (  # noqa: F401
    _form_for,
    _quota,
    _scope_for_applicant,
    application_check,
    application_create,
    application_save_draft,
    approved_at_stage,
    call_create,
    quota_calls,
)
from .attachments import (  # noqa: F401
    ATTACHMENT_MAX_BYTES,
    PHOTO_TYPES,
    attachment_add,
    attachment_delete,
    check_upload,
)
from .blind import (  # noqa: F401
    blind_for,
    conflict_reason,
    expert_title,
    is_blind,
)
from .notices import (  # noqa: F401
    notice_publish,
    objection_decide,
    objection_record,
)
from .notifications import (  # noqa: F401
    DEFAULT_MESSAGES,
    _notify_after,
    applicant_users,
    remind_due_assignments,
    render_message,
    stage_actors,
)
from .reviews import (  # noqa: F401
    NO_ACCOUNT,
    _assign,
    acting_expert_ids,
    assignment_create,
    assignment_declare,
    clean_points,
    draw_pool,
    draw_select,
    inspection_record,
    panel_draw,
    panel_stats,
    score_save,
)
from .transitions import (  # noqa: F401
    _certify,
    _check_double_funding,
    _check_guards,
    _enter,
    _facts_once,
    _fix_amount,
    _grant_on_certification,
    _station_name,
    _sync_station,
    _transition,
    application_transition,
)
