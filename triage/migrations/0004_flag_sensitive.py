"""Flag the seeded service types that are sensitive (violence, health, legal, wages,
personal data) and every existing request that is sensitive by its type or its words,
so nothing of the kind stays public after the upgrade.

The word lists are frozen here (a migration must not change when the code does).
"""

from django.db import migrations

SENSITIVE_CODES = {
    "wages",
    "domestic-violence",
    "violence",
    "health",
    "medical",
    "legal",
    "personal-data",
    "privacy",
}
SENSITIVE_NAME_WORDS = ("家暴", "家庭暴力", "暴力", "医疗", "健康", "法律", "工资", "劳动", "个人信息")
SENSITIVE_WORDS = (
    "家暴", "家庭暴力", "殴打", "虐待", "性侵", "猥亵", "强奸", "跟踪我", "自杀", "轻生", "抑郁",
    "精神病", "艾滋", "HIV", "病历", "怀孕", "流产", "欠薪", "拖欠工资", "讨薪", "劳动仲裁",
    "法律援助", "起诉", "离婚", "身份证号", "个人信息", "隐私",
)


def flag(apps, schema_editor):
    ServiceType = apps.get_model("triage", "ServiceType")
    Request = apps.get_model("triage", "Request")
    for st in ServiceType.objects.all():
        if st.code in SENSITIVE_CODES or any(w in st.name for w in SENSITIVE_NAME_WORDS):
            st.sensitive = True
            st.save(update_fields=["sensitive"])
    Request.objects.filter(service_type__sensitive=True).update(sensitive=True)
    words = [w.lower() for w in SENSITIVE_WORDS]
    for st in ServiceType.objects.filter(sensitive=True):
        words += [k for k in st.keywords.replace("，", ",").replace(",", " ").split() if k]
    ids = [
        pk
        for pk, text in Request.objects.filter(sensitive=False).values_list("pk", "text").iterator()
        if any(w in text.lower() for w in words)
    ]
    for i in range(0, len(ids), 500):
        Request.objects.filter(pk__in=ids[i : i + 500]).update(sensitive=True)


class Migration(migrations.Migration):
    dependencies = [("triage", "0003_sensitive")]

    operations = [migrations.RunPython(flag, migrations.RunPython.noop)]
