from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Area, Membership, Organisation, User

admin.site.register(User, UserAdmin)
admin.site.register(Organisation)
admin.site.register(Membership)
admin.site.register(Area)
