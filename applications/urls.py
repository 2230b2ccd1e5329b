from django.urls import path

from . import views

app_name = "applications"
urlpatterns = [
    path("", views.my_applications, name="mine"),
    path("inbox/", views.inbox, name="inbox"),
    path("calls/", views.call_list, name="calls"),
    path("calls/new/", views.call_create, name="call_create"),
    path("calls/<int:pk>/edit/", views.call_edit, name="call_edit"),
    path("calls/<int:pk>/apply/", views.call_apply, name="call_apply"),
    path("calls/<int:pk>/ranking/", views.call_ranking, name="ranking"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/new/", views.notice_create, name="notice_create"),
    path("notices/<int:pk>/", views.notice_detail, name="notice"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/act/", views.act, name="act"),
    path("<int:pk>/inspection/", views.inspection, name="inspection"),
    path("<int:pk>/panel/", views.panel, name="panel"),
    path(
        "<int:pk>/panel/<int:assignment_id>/offline/",
        views.panel_offline,
        name="panel_offline",
    ),
    path(
        "<int:pk>/panel/<int:assignment_id>/sheet/",
        views.score_sheet_download,
        name="score_sheet",
    ),
    path("<int:pk>/score/", views.score, name="score"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
    path(
        "<int:pk>/attachments/<int:attachment_id>/delete/",
        views.attachment_delete,
        name="attachment_delete",
    ),
]
