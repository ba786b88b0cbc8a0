from django.urls import path

from . import views

app_name = "deliberation"

urlpatterns = [path("", views.index, name="index")]
