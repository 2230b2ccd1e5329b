from django.urls import path

from . import views

app_name = "stations"
urlpatterns = [
    path("", views.station_list, name="station_list"),
    path("new/", views.station_create, name="station_create"),
    path("<int:pk>/", views.station_detail, name="station_detail"),
    path("<int:pk>/edit/", views.station_edit, name="station_edit"),
    path("<int:pk>/status/", views.station_set_status, name="station_set_status"),
    path("<int:pk>/activities/", views.activity_list, name="activity_list"),
    path("<int:pk>/activities/new/", views.activity_create, name="activity_create"),
    path("<int:station_pk>/activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path(
        "<int:station_pk>/activities/<int:record_pk>/evidence/<int:pk>/",
        views.evidence_download,
        name="evidence_download",
    ),
    path("societies/", views.society_list, name="society_list"),
    path("societies/new/", views.society_create, name="society_create"),
    path("societies/<int:pk>/", views.society_detail, name="society_detail"),
    path("societies/<int:pk>/edit/", views.society_edit, name="society_edit"),
    path("host-units/", views.host_unit_list, name="host_unit_list"),
    path("host-units/new/", views.host_unit_create, name="host_unit_create"),
    path("host-units/<int:pk>/", views.host_unit_detail, name="host_unit_detail"),
    path("host-units/<int:pk>/edit/", views.host_unit_edit, name="host_unit_edit"),
    path("experts/", views.expert_list, name="expert_list"),
    path("experts/new/", views.expert_create, name="expert_create"),
    path("experts/<int:pk>/", views.expert_detail, name="expert_detail"),
    path("experts/<int:pk>/edit/", views.expert_edit, name="expert_edit"),
]
