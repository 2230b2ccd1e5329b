from django.urls import path

from . import forecast_views, views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("subsidy/", views.subsidy, name="subsidy"),
    path("forecast/", forecast_views.forecast_index, name="forecast"),
    path("forecast/<slug:code>/", forecast_views.forecast_city, name="forecast_city"),
    path("export/<slug:kind>/", views.list_export, name="list_export"),
    path("documents/<slug:kind>/<int:pk>.pdf", views.document, name="document"),
    path("imports/", views.imports, name="imports"),
    path("imports/<slug:kind>/template.xlsx", views.import_template, name="import_template"),
    path("imports/<slug:kind>/", views.import_preview, name="import_preview"),
    path("imports/<slug:kind>/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/jobs/<int:pk>/", views.import_job, name="import_job"),
    path("imports/jobs/<int:pk>/progress/", views.import_job_progress, name="import_job_progress"),
    path("imports/jobs/<int:pk>/confirm/", views.import_job_confirm, name="import_job_confirm"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<slug:key>.xlsx", views.dashboard_chart, name="dashboard_chart"),
    path("cities/", views.all_cities, name="all_cities"),
    path("cities/<slug:key>.xlsx", views.all_cities_chart, name="all_cities_chart"),
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<int:pk>/download/", views.job_download, name="job_download"),
]
