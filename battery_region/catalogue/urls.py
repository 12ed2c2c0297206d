from django.urls import path

from battery_region.catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("", views.offering_list, name="list"),
    path("export.<str:fmt>", views.export_list, name="export"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme"),
    path("offerings/<int:pk>/", views.offering_detail, name="offering"),
    path("programmes/<int:pk>/other-country/", views.counterparts, name="counterparts"),
    path("manage/", views.manage, name="manage"),
    path("manage/quality/", views.quality_report, name="quality"),
    path("manage/import/", views.import_upload, name="import"),
    path("manage/import/template.<str:fmt>", views.import_template, name="import_template"),
    path("manage/<slug:org_slug>/programmes/new/", views.programme_create, name="programme_create"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/delete/", views.programme_delete, name="programme_delete"),
    path("programmes/<int:programme_pk>/offerings/new/", views.offering_create, name="offering_create"),
    path("offerings/<int:pk>/edit/", views.offering_edit, name="offering_edit"),
    path("offerings/<int:pk>/delete/", views.offering_delete, name="offering_delete"),
]
