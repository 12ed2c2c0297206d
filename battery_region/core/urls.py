from django.urls import path

from battery_region.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("area/<slug:slug>/", views.area, name="area"),
]
