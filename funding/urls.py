from django.urls import path

from . import views

app_name = "funding"
urlpatterns = [
    path("", views.grant_list, name="grants"),
    path("grants/new/", views.grant_create, name="grant_create"),
    path("grants/<int:pk>/", views.grant_detail, name="grant"),
    path("grants/<int:pk>/pay/", views.disbursement_approve, name="pay"),
    path("grants/<int:pk>/recover/", views.recovery_create, name="recover"),
    path("grants/<int:pk>/repay/", views.repayment_create, name="repay"),
    path("grants/<int:pk>/budget/", views.budget_line_create, name="budget"),
    path("grants/<int:pk>/expense/", views.expense_create, name="expense"),
    path("grants/<int:pk>/penalize/", views.grant_penalize, name="penalize"),
    path("grants/<int:pk>/support/", views.support_award, name="support"),
    path("grants/<int:pk>/revoke/", views.grant_revoke, name="revoke"),
    path("grants/<int:pk>/<str:kind>/<int:entry_pk>/edit/", views.entry_edit, name="entry_edit"),
    path(
        "grants/<int:pk>/<str:kind>/<int:entry_pk>/delete/",
        views.entry_delete,
        name="entry_delete",
    ),
    path("stations/<int:pk>/", views.station_money, name="station"),
    path("stations/<int:pk>/changes/", views.change_request_create, name="change_request"),
    path(
        "stations/<int:pk>/changes/<int:change_pk>/decide/",
        views.change_request_decide,
        name="change_decide",
    ),
    path("disbursements/<int:pk>/notice/", views.disbursement_notice, name="notice"),
]
