from django.urls import path

from battery_region.catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("", views.offering_list, name="list"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme"),
    path("offerings/<int:pk>/", views.offering_detail, name="offering"),
]
