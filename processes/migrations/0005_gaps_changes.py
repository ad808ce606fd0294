# Reserved for changes of this part of the app during its build-out (kept in order, may stay empty).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("processes", "0004_register_maps_changes")]

    operations = []
