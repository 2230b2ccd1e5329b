from django.urls import path

from . import views

app_name = "policies"
urlpatterns = [
    path("", views.index, name="index"),
    path("holidays/", views.holidays, name="holidays"),
    path("holidays/<int:pk>/delete/", views.holiday_delete, name="holiday_delete"),
    path("simulate/", views.simulate_view, name="simulate"),
    path("<slug:code>/", views.params, name="params"),
]
