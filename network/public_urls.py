from django.urls import path

from . import public_views

app_name = "public"
urlpatterns = [
    path("", public_views.index, name="index"),
    path("<slug:city_code>/", public_views.city_directory, name="city"),
    path("<slug:city_code>/stations/<int:pk>/", public_views.station_detail, name="station"),
    path("<slug:city_code>/societies/<int:pk>/", public_views.society_detail, name="society"),
]
