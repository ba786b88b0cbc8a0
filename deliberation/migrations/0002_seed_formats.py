"""The four formats the press reports describe, offered to every community."""

from django.db import migrations

FORMATS = [
    (
        "speakup",
        "有话大声说",
        "开放式议事活动：居民当面向社区两委、物业和职能部门说出意见和诉求，现场记录、限时答复。",
        10,
    ),
    (
        "roundtable",
        "圆桌话题",
        "围绕一个具体议题，居民代表、两委、物业和相关单位围坐协商，形成方案后公开结果。",
        20,
    ),
    (
        "complaint",
        "吐槽大会",
        "居民把身边的烦心事、不满意的地方摆到桌面上“吐槽”，逐条登记、分流办理、跟踪反馈。",
        30,
    ),
    (
        "courtyard",
        "院议说",
        "在院落、楼栋或小区里就近召开的议事会，邻里商量解决家门口的小事。",
        40,
    ),
]


def seed(apps, schema_editor):
    Format = apps.get_model("deliberation", "Format")
    for code, name, description, order in FORMATS:
        Format.objects.update_or_create(
            code=code,
            community=None,
            defaults={"name": name, "description": description, "order": order},
        )


def unseed(apps, schema_editor):
    Format = apps.get_model("deliberation", "Format")
    Format.objects.filter(community=None, code__in=[f[0] for f in FORMATS], topics__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("deliberation", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
