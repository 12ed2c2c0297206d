from django.urls import path

from battery_region.skills import views

app_name = "skills"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("roles/<slug:slug>/", views.role_detail, name="role"),
    path("esco/skills/<str:key>/", views.skill_detail, name="skill"),
    path("programmes/<int:programme_id>/tags/", views.programme_tags, name="programme_tags"),
    path("programmes/<int:programme_id>/tags/add/", views.tag_add, name="tag_add"),
    path("programmes/<int:programme_id>/tags/suggest/", views.tag_suggest, name="tag_suggest"),
    path("tags/<int:tag_id>/decide/", views.tag_decide, name="tag_decide"),
    path("tags/<int:tag_id>/remove/", views.tag_remove, name="tag_remove"),
    path("picker/", views.picker, name="picker"),
]
