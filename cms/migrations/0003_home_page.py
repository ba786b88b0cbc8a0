"""Replace Wagtail's welcome page with our HomePage, as the site root."""

from django.db import migrations


def create_home(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("cms.HomePage")

    if HomePage.objects.exists():
        return
    Page.objects.filter(depth=2, content_type__model="page", content_type__app_label="wagtailcore").delete()
    locale, _ = Locale.objects.get_or_create(language_code="zh-hans")
    home_ct, _ = ContentType.objects.get_or_create(model="homepage", app_label="cms")
    root = Page.objects.get(depth=1)
    home = HomePage.objects.create(
        title="社区议事厅",
        draft_title="社区议事厅",
        slug="home",
        content_type=home_ct,
        path=f"{root.path}0001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=locale,
        live=True,
        intro="<p>民事民议民决：议事、道德银行、诉求办理，一站办。</p>",
    )
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    Site.objects.all().delete()
    Site.objects.create(hostname="localhost", root_page=home, is_default_site=True, site_name="社区议事厅")


def remove_home(apps, schema_editor):
    apps.get_model("cms.HomePage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0002_initial"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
    ]

    operations = [migrations.RunPython(create_home, remove_home)]
