from django.urls import path

from battery_region.organisations import views

app_name = "organisations"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/contacts/new/", views.contact_create, name="contact_create"),
    path("<slug:slug>/contacts/<int:pk>/", views.contact_edit, name="contact_edit"),
    path("<slug:slug>/contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
]
