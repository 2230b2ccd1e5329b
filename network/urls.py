from django.urls import path

from . import views

app_name = "network"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("demands/", views.demand_list, name="demand_list"),
    path("demands/new/", views.demand_create, name="demand_create"),
    path("demands/<int:pk>/", views.demand_detail, name="demand_detail"),
    path("demands/<int:pk>/transition/", views.demand_transition, name="demand_transition"),
    path(
        "demands/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
]
