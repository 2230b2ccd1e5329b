from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("subsidy/", views.subsidy, name="subsidy"),
    path("export/<slug:kind>/", views.list_export, name="list_export"),
    path("documents/<slug:kind>/<int:pk>.pdf", views.document, name="document"),
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<int:pk>/download/", views.job_download, name="job_download"),
]
