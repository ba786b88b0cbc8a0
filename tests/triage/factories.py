"""Triage builders: an organisation chain over `tests.factories.city_tree()`."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.models import Organisation, guess_line
from tests import factories
from triage.models import GridBoundary, ServiceDirectoryEntry, ServiceType


def png(name: str = "p.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def world(tree) -> dict:
    """District government → street office → committee; departments under the government."""
    o = {}
    o["gov"] = factories.organisation(
        tree["district"], Organisation.Kind.DEPARTMENT, "市南区人民政府"
    )
    o["street"] = Organisation.objects.create(
        area=tree["street"], kind="department", name="八大湖街道办事处", parent=o["gov"]
    )
    o["committee"] = Organisation.objects.create(
        area=tree["community"], kind="committee", name="新湛社区两委", parent=o["street"]
    )
    o["other_committee"] = Organisation.objects.create(
        area=tree["other_community"],
        kind="committee",
        name="延安三路社区两委",
        parent=o["street"],
    )
    for key, name in [
        ("chengguan", "市南区城市管理局"),
        ("zhujian", "市南区住房和城乡建设局"),
        ("shuiwu", "市南区水务局"),
        ("shichang", "市南区市场监督管理局"),
    ]:
        o[key] = Organisation.objects.create(
            area=tree["district"],
            kind="department",
            name=name,
            parent=o["gov"],
            line=guess_line(name),
        )
    o["hotline"] = Organisation.objects.create(
        area=tree["city"], kind="department", name="12345热线"
    )
    o["provider"] = Organisation.objects.create(
        area=tree["district"], kind="provider", name="巧手家政服务中心", phone="0532-88886666"
    )
    people = {
        "committee": factories.member("committee", tree["community"], o["committee"]),
        "chengguan": factories.member("department", tree["district"], o["chengguan"]),
        "shuiwu": factories.member("department", tree["district"], o["shuiwu"]),
        "gov": factories.member("department", tree["district"], o["gov"]),
        "street": factories.member("department", tree["street"], o["street"]),
        "hotline": factories.member("department", tree["city"], o["hotline"]),
        "grid_worker": factories.member("grid_worker", tree["grid"], o["committee"]),
    }
    types = {
        "road": ServiceType.objects.create(
            code="road",
            name="道路设施",
            default_class="government",
            line="城管",
            deadline_hours=14,
            keywords="井盖 路灯 坑",
        ),
        "water": ServiceType.objects.create(
            code="water",
            name="供水排水",
            default_class="government",
            line="水务",
            deadline_hours=7,
            keywords="停水 爆管",
        ),
        "dispute": ServiceType.objects.create(
            code="dispute",
            name="邻里纠纷",
            default_class="community",
            deadline_hours=21,
            keywords="邻居 调解",
            is_mediation=True,
        ),
        "repair": ServiceType.objects.create(
            code="repair",
            name="家庭维修",
            default_class="private",
            deadline_hours=7,
            keywords="开锁 家电维修",
        ),
    }
    ServiceDirectoryEntry.objects.create(
        name="巧手家政服务中心",
        kind="provider",
        area=tree["district"],
        organisation=o["provider"],
        services="保洁 钟点工 开锁 家电维修 疏通",
        phone="0532-88886666",
    )
    ServiceDirectoryEntry.objects.create(
        name="老周（志愿者）",
        kind="volunteer",
        area=tree["community"],
        services="修水龙头 换灯泡",
    )
    GridBoundary.objects.create(
        area=tree["grid"],
        polygon=[[36.05, 120.38], [36.05, 120.40], [36.07, 120.40], [36.07, 120.38]],
    )
    return {"orgs": o, "people": people, "types": types}
