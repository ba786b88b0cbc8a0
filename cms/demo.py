"""Demo pages: home, community pages, news and guides, with images drawn by Pillow.

The stories follow the press reports in shared/seeds (Qingdao's 有话大声说 and grids,
Zigong's 道德银行 and 三事分流, Licheng's 12345 closed loop).  Idempotent: pages are
found by slug and images by title before anything is made.
"""

from __future__ import annotations

import datetime
import io
import random

from django.core.files.images import ImageFile
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images import get_image_model
from wagtail.models import Site

from .models import CommunityPage, HomePage, NewsPage, SiteSettings, StandardPage

PALETTES = {
    "红色网格": [(179, 38, 30), (230, 120, 80)],
    "议事": [(30, 90, 160), (120, 180, 220)],
    "道德银行": [(200, 140, 20), (250, 210, 110)],
    "诉求": [(40, 120, 70), (140, 200, 150)],
    "社区": [(110, 60, 140), (200, 160, 220)],
}


def _picture(title: str, palette: str, seed: int) -> ImageFile:
    """A 1200×675 illustration: a gradient sky with houses, made by Pillow."""
    top, bottom = PALETTES[palette]
    width, height = 1200, 675
    img = PILImage.new("RGB", (width, height))
    draw = ImageDraw.Draw(img)
    for y in range(height):
        t = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    rnd = random.Random(seed)
    x = 0
    while x < width:
        w, h = rnd.randint(90, 180), rnd.randint(180, 420)
        shade = rnd.randint(230, 250)
        draw.rectangle([x, height - h, x + w - 8, height], fill=(shade, shade, shade - 10))
        for wy in range(height - h + 20, height - 20, 36):
            for wx in range(x + 12, x + w - 24, 28):
                lit = rnd.random() < 0.35
                draw.rectangle(
                    [wx, wy, wx + 14, wy + 18], fill=(255, 214, 120) if lit else (120, 130, 150)
                )
        x += w
    draw.ellipse([950, 60, 1070, 180], fill=(255, 240, 200))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=82)
    return ImageFile(buf, name=f"demo-{seed}.jpg")


def _image(title: str, palette: str, seed: int):
    image_model = get_image_model()
    existing = image_model.objects.filter(title=title).first()
    if existing:
        return existing
    return image_model.objects.create(title=title, file=_picture(title, palette, seed))


COMMUNITY_INFO = {
    "xinzhan": (
        "<p>新湛社区位于八大湖街道，辖3个网格、900余户。社区推行“有话大声说、圆桌话题、吐槽大会”"
        "三我活动，小事不出网格，大事不出社区。</p>",
        "市南区八大湖街道新湛路12号社区党群服务中心一楼",
        "周一至周五 8:30–12:00，13:30–17:30；周六上午值班",
        "0532-85711234",
    ),
    "yansanlu": (
        "<p>延安三路社区是老旧小区集中的社区，近年来通过院落议事推动加装电梯、楼道改造。</p>",
        "市南区延安三路88号",
        "周一至周五 9:00–17:00",
        "0532-85715678",
    ),
    "fushan": (
        "<p>浮山后社区以“红色网格”为抓手，网格员每周入户走访。</p>",
        "市南区浮山后四小区南门",
        "周一至周五 9:00–17:00",
        "0532-85880011",
    ),
    "beiling": (
        "<p>北岭社区的道德银行于今年开业，志愿服务时长可兑换生活用品和服务。</p>",
        "李沧区北岭路6号",
        "周一至周六 9:00–17:00",
        "0532-87661122",
    ),
}

NEWS = [
    # slug, parent ("home" or community code), date, title, summary, body, palette
    (
        "sanshi-fenliu",
        "home",
        "2026-11-10",
        "三事分流：家中漏水该找谁？一张清单说清楚",
        "大事政府办、小事社区办、私事自己办，我市推行诉求“三事分流”。",
        "<p>“家中漏水该找谁？化粪池堵塞谁来管？”这些问题过去常让居民犯难。今年起，我市在各社区推行“三事分流”：</p>"
        "<ul><li><b>大事</b>：道路、供水、违建等，由政府职能部门限时办理；</li><li><b>小事</b>：楼道堆物、公共设施维修、停车秩序等，由社区两委会同物业、业委会协商解决；</li>"
        "<li><b>私事</b>：家电维修、家政服务等，由居民自行解决，社区提供服务商和志愿者名录。</li></ul>"
        "<p>居民可通过网站、网格员上门或拨打12345热线反映诉求，平台一端受理、分流转办、限时反馈、结案答复。</p>",
        "诉求",
    ),
    (
        "daode-yinhang",
        "home",
        "2026-11-05",
        "道德银行开业：好人好事也能“存”起来",
        "志愿服务时长经社区核实后记入道德积分，可兑换荣誉、物品和服务。",
        "<p>在北岭社区，一间酷似银行营业窗口的办公室里，居民存取的不是现金，而是“道德币”。"
        "参加志愿服务、社区活动、公益活动、帮扶困难群众，经社区两委核实后都可以记入积分。</p>"
        "<p>积分可以兑换“最美家庭”等荣誉，也可以兑换米面油等生活用品，或理发、家电维修等服务。</p>",
        "道德银行",
    ),
    (
        "wangge-300",
        "home",
        "2026-10-28",
        "每个网格约300户：网格员把服务送到家门口",
        "全市按约300户划分网格，每个网格配备专职网格员。",
        "<p>我市按照“地理相邻、便于管理”的原则，每300户左右划分一个网格，配备专职网格员，"
        "负责入户走访、信息采集、矛盾排查和诉求上报。网格员在走访中发现的问题，可以当场通过手机上报。</p>",
        "红色网格",
    ),
    (
        "12345-manyidu",
        "home",
        "2026-10-20",
        "12345热线与网格联动，办结率和满意度双提升",
        "热线、舆情、信访线索统一进入网格，形成闭环。",
        "<p>热线工单、网络舆情和信访线索统一进入网格处置，做到“一呼全应”。群众诉求办结后，由诉求人对办理结果进行满意度评价。</p>",
        "诉求",
    ),
    (
        "youhua-dashengshuo",
        "xinzhan",
        "2026-11-12",
        "“有话大声说”：新湛社区居民议停车难",
        "30余名居民代表围坐一起，为小区停车难出主意。",
        "<p>11月8日晚，新湛社区在党群服务中心举办“有话大声说”议事会。居民们围绕小区夜间停车难、"
        "消防通道被占等问题各抒己见，最终形成了错峰停车、共享车位的初步方案，将提交下次圆桌会表决。</p>",
        "议事",
    ),
    (
        "tucao-dahui",
        "xinzhan",
        "2026-10-30",
        "吐槽大会上“吐”出来的问题，一周内有了回音",
        "居民吐槽的楼道照明、垃圾清运问题已由物业整改。",
        "<p>在上月的“吐槽大会”上，居民集中反映了楼道灯不亮、垃圾清运不及时等问题。"
        "社区两委会同物业当场认领，一周内完成了12处楼道灯更换，并调整了清运时间。</p>",
        "议事",
    ),
    (
        "loudao-qingli",
        "xinzhan",
        "2026-10-15",
        "楼道堆物清理倡议书",
        "为消除消防隐患，社区倡议居民本周内自行清理楼道堆放物品。",
        "<p>各位居民朋友：楼道是生命通道。请于本周六前自行清理楼道内堆放的杂物、电动车和纸箱。"
        "行动不便的老人可联系网格员，志愿者将上门帮忙搬运。</p>",
        "社区",
    ),
    (
        "dianti-jiazhuang",
        "yansanlu",
        "2026-11-02",
        "加装电梯院落议事会：三号楼达成一致",
        "经过三轮院落议事，三号楼全体住户签字同意加装电梯。",
        "<p>延安三路社区三号楼建于1992年，老年住户占六成。社区组织三轮“院议说”，"
        "就费用分摊、低层住户补偿等问题反复协商，最终全体住户签字同意，预计明年春季开工。</p>",
        "议事",
    ),
    (
        "zhiyuan-fuwu",
        "beiling",
        "2026-10-25",
        "北岭社区志愿者服务时长突破5000小时",
        "今年以来，社区志愿者累计服务5000余小时。",
        "<p>今年以来，北岭社区志愿者累计服务5000余小时，开展助老助残、环境整治、文明劝导等活动200余场。"
        "服务时长经社区核实后记入道德银行，年底将评选星级志愿者。</p>",
        "道德银行",
    ),
]

# slug, title, summary, body: guides live under the home page.
GUIDES = [
    (
        "yishi-guize",
        "社区议事规则",
        "民事民议民决：议题如何提出、讨论和表决。",
        "<p><b>提出议题</b>：居民或两委都可以提出议题，获得足够居民支持后进入两委议程。</p>"
        "<p><b>讨论</b>：通过有话大声说、圆桌话题、吐槽大会、院议说等形式充分讨论。</p>"
        "<p><b>表决</b>：经确认的本社区居民一人一票，结果向全体居民公开，并跟踪落实。</p>",
    ),
    (
        "daode-yinhang-zhangcheng",
        "道德银行章程",
        "积分怎么挣、怎么用、怎么查。",
        "<p>志愿服务时长由志愿者申报、社区两委成员核实，本人不能核实自己的时长。积分只能由社区发放，不能转让。"
        "兑换时先冻结积分和库存，凭取件码领取；未领取的兑换到期自动取消并退回积分。</p>",
    ),
    (
        "fuwu-zhinan",
        "诉求办理指南",
        "从反映到答复：每一步都看得见。",
        "<p>诉求提交后，系统自动分类并转交责任单位，限时办理。超时未办的，自动提级督办。"
        "办结后您可以对结果评分，7日内不满意可以申请重新办理。</p>",
    ),
]


def load(ctx) -> None:
    home = HomePage.objects.get()
    if not home.hero_image_id:
        home.hero_image = _image("社区议事厅首页", "红色网格", 1)
        home.intro = "<p>民事民议民决：社区议事、道德银行、诉求办理，一站办。</p>"
        home.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    settings = SiteSettings.for_site(site)
    if not settings.footer:
        settings.hotline = "12345"
        settings.footer = "青岛市市南区、李沧区社区议事厅（演示站点）。居民个人信息仅用于诉求办理。"
        settings.save()

    for code, (intro, address, hours, phone) in COMMUNITY_INFO.items():
        page = CommunityPage.objects.filter(area=ctx.areas[code]).first()
        if page and not page.intro:
            page.intro, page.office_address, page.office_hours, page.office_phone = (
                intro,
                address,
                hours,
                phone,
            )
            page.image = _image(f"{page.title}风貌", "社区", 10 + len(code))
            page.save_revision().publish()

    for i, (slug, parent_code, date, title, summary, body, palette) in enumerate(NEWS):
        if NewsPage.objects.filter(slug=slug).exists():
            continue
        parent = (
            home
            if parent_code == "home"
            else CommunityPage.objects.get(area=ctx.areas[parent_code])
        )
        page = NewsPage(
            title=title,
            slug=slug,
            date=datetime.date.fromisoformat(date),
            intro=summary,
            body=body,
            image=_image(title, palette, 100 + i),
        )
        parent.add_child(instance=page)
        page.save_revision().publish()

    for slug, title, summary, body in GUIDES:
        if StandardPage.objects.filter(slug=slug).exists():
            continue
        page = StandardPage(title=title, slug=slug, intro=summary, body=body)
        home.add_child(instance=page)
        page.save_revision().publish()
    ctx.log(f"cms: {NewsPage.objects.count()} news pages, {StandardPage.objects.count()} guides")
