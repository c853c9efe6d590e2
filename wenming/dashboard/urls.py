from django.urls import path

from wenming.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.StaffHomeView.as_view(), name="home"),
]
