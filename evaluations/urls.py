from django.urls import path

from . import views

app_name = "evaluations"
urlpatterns = [
    path("", views.index, name="index"),
    path("rounds/open/", views.round_open, name="round_open"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("<int:pk>/", views.evaluation_detail, name="detail"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/attach/", views.attach, name="attach"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment",
    ),
    path("<int:pk>/demand/", views.demand_review, name="demand"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/score/", views.score, name="score"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
]
