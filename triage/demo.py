"""Demo requests for 三事分流, in every state and from every channel.

Drawn from the 自贡 金桂社区 report ("家中漏水该找谁？化粪池堵塞谁来管？") and the 青岛
practice of 12345 hotline tickets handed to departments.  Every object is looked up by a
stable key first (request text, service code, names), so loading twice changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from portal.models import Organisation

from . import daily_counts, selectors
from .models import (
    ApiKey,
    GridBoundary,
    HelpOffer,
    Request,
    ServiceDirectoryEntry,
    ServiceType,
)
from .services import OPEN_HANDLING, followup, intake, referrals, routing, topics

DEMO_API_KEY = "demo-open311-key-2026"

# key, name, area code, parent key, line: the district departments the seed set's
# department model knows, and a street-level 城管 team (a request in its street goes to it,
# not to the district's bureau: the deepest department of the line serving the place).
DEPARTMENTS = [
    ("shinan-renshe", "市南区人力资源和社会保障局", "shinan", "shinan-gov", "人社"),
    ("shinan-jiaoyu", "市南区教育和体育局", "shinan", "shinan-gov", "教育"),
    ("shinan-yibao", "市南区医疗保障局", "shinan", "shinan-gov", "医保"),
    ("shinan-weijian", "市南区卫生健康局", "shinan", "shinan-gov", "卫健"),
    ("shinan-minzheng", "市南区民政局", "shinan", "shinan-gov", "民政"),
    ("shinan-huanbao", "青岛市生态环境局市南分局", "shinan", "shinan-gov", "生态环境"),
    ("shinan-gongan", "青岛市公安局市南分局", "shinan", "shinan-gov", "公安"),
    ("shinan-jiaotong", "青岛市交通运输局市南交通运输分局", "shinan", "shinan-gov", "交通"),
    ("licang-zhujian", "李沧区住房和城乡建设局", "licang", "licang-gov", "住建"),
    ("xiangangdong-zhifa", "香港中路街道综合行政执法中队", "xiangangdong", "shinan-gov", "城管"),
]

# code, name, class, line of the handling department, working hours, keywords, mediation
SERVICE_TYPES = [
    (
        "road",
        "道路与市政设施",
        "government",
        "城管",
        14,
        "井盖 路灯 路面 坑 人行道 盲道",
        False,
    ),
    (
        "street-order",
        "占道经营与违建",
        "government",
        "城管",
        21,
        "占道 摊贩 违建 私搭乱建 烧烤",
        False,
    ),
    (
        "water",
        "供水与排水",
        "government",
        "水务",
        7,
        "停水 爆管 水管爆 积水 下水道 水压",
        False,
    ),
    ("heating-gas", "供暖与燃气", "government", "住建", 14, "暖气 供暖 燃气 煤气", False),
    (
        "food",
        "食品安全与消费",
        "government",
        "市场监管",
        35,
        "过期 食品 缺斤少两 退费 跑路",
        False,
    ),
    (
        "wages",
        "劳动工资与社保",
        "government",
        "人社",
        35,
        "欠薪 拖欠工资 社保 劳动合同",
        False,
    ),
    ("noise", "噪声与油烟", "government", "生态环境", 21, "噪音 油烟 排污", False),
    ("property", "物业服务", "community", None, 21, "物业 电梯 楼道 门禁 停车位", False),
    ("dispute", "邻里纠纷调解", "community", None, 35, "邻居 邻里 调解 纠纷 楼上", True),
    ("activity", "社区活动与建议", "community", None, 35, "活动 报名 老年 课堂", False),
    ("home-repair", "家庭维修", "private", None, 7, "开锁 维修 疏通 家电 水龙头", False),
    ("home-care", "家政与助老", "private", None, 7, "保洁 钟点工 保姆 送餐 陪护", False),
    (
        "domestic-violence",
        "家庭暴力与人身安全",
        "government",
        "公安",
        7,
        "家暴 家庭暴力 打骂 殴打 威胁",
        False,
    ),
    ("health", "医疗与健康", "government", "卫健", 21, "看病 就医 病历 医疗纠纷", False),
    ("legal", "法律援助", "community", None, 35, "法律援助 律师 起诉 离婚 遗产", False),
    (
        "personal-data",
        "个人信息保护",
        "government",
        "公安",
        14,
        "个人信息 身份证 泄露 骚扰电话",
        False,
    ),
]
# Never public, whatever their class: violence, health, legal, wages, personal data.
SENSITIVE_TYPES = {"domestic-violence", "health", "legal", "wages", "personal-data"}

# name, kind, area code, org key or volunteer username, services, phone, hours
DIRECTORY = [
    (
        "巧手家政服务中心",
        "provider",
        "shinan",
        "provider-jiazheng",
        "保洁 钟点工 保姆 月嫂 开荒 擦玻璃 开锁 疏通",
        "0532-88886666",
        "8:00–20:00",
    ),
    (
        "邻里通家电维修",
        "provider",
        "shinan",
        "provider-repair",
        "家电维修 冰箱 洗衣机 空调 热水器 电视 燃气灶 油烟机",
        "0532-88887777",
        "9:00–19:00",
    ),
    (
        "幸福里长者食堂",
        "provider",
        "badahu",
        "provider-canteen",
        "送餐 午饭 老人 助餐 配餐",
        "0532-85713030",
        "10:30–13:00",
    ),
    (
        "陈阿姨（志愿者）",
        "volunteer",
        "xinzhan",
        "13900000001",
        "陪护 聊天 买菜 辅导作业 老人",
        "",
        "工作日下午",
    ),
    (
        "老周（志愿者）",
        "volunteer",
        "xinzhan",
        "13900000002",
        "水龙头 换灯泡 修自行车 电路 小修",
        "",
        "周末",
    ),
]

# Where the providers' doors are (WGS-84), inside the demo grids below; the volunteers
# come to you and have no point.
DIRECTORY_POINTS = {
    "巧手家政服务中心": (36.0731, 120.3987),  # 新湛 grid 2
    "邻里通家电维修": (36.0788, 120.3991),  # 延三路 grid 1
    "幸福里长者食堂": (36.0846, 120.3927),  # 延三路 grid 2
}

# grid code → outline (about 600 m squares around 八大湖, 浮山后 and 北岭, Qingdao)
BOUNDARIES = {
    "xinzhan-1": (36.0700, 120.3900),
    "xinzhan-2": (36.0700, 120.3960),
    "xinzhan-3": (36.0760, 120.3900),
    "yansanlu-1": (36.0760, 120.3960),
    "yansanlu-2": (36.0820, 120.3900),
    "fushan-1": (36.0930, 120.4100),  # 浮山后 (香港中路街道)
    "beiling-1": (36.1580, 120.4290),  # 北岭 (李沧区虎山路街道)
}
# A community's outer line on the maps: around its grids' squares (an L for 新湛).
COMMUNITY_BOUNDARIES = {
    "xinzhan": [
        [36.07, 120.39],
        [36.07, 120.402],
        [36.076, 120.402],
        [36.076, 120.396],
        [36.082, 120.396],
        [36.082, 120.39],
    ],
}


def _square(lat: float, lon: float, size: float = 0.006) -> list[list[float]]:
    return [[lat, lon], [lat, lon + size], [lat + size, lon + size], [lat + size, lon]]


def _reference_data(ctx) -> None:
    for key, name, area, parent, line in DEPARTMENTS:
        org, _ = Organisation.objects.get_or_create(
            area=ctx.areas[area],
            name=name,
            defaults={"kind": "department", "parent": ctx.orgs[parent], "line": line},
        )
        ctx.orgs[key] = org
    for code, name, cls, line, hours, keywords, mediation in SERVICE_TYPES:
        ServiceType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "default_class": cls,
                "deadline_hours": hours,
                "line": line or "",
                "keywords": keywords,
                "is_mediation": mediation,
                "description": name,
                "sensitive": code in SENSITIVE_TYPES,
            },
        )
    for name, kind, area, who, offered, phone, hours in DIRECTORY:
        lat, lon = DIRECTORY_POINTS.get(name, (None, None))
        ServiceDirectoryEntry.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "area": ctx.areas[area],
                "services": offered,
                "phone": phone,
                "hours": hours,
                "organisation": ctx.orgs.get(who),
                "volunteer": ctx.users.get(who),
                "lat": lat,
                "lon": lon,
            },
        )
    for code, (lat, lon) in BOUNDARIES.items():
        GridBoundary.objects.get_or_create(
            area=ctx.areas[code], defaults={"polygon": _square(lat, lon)}
        )
    for code, ring in COMMUNITY_BOUNDARIES.items():
        GridBoundary.objects.get_or_create(area=ctx.areas[code], defaults={"polygon": ring})
    if not ApiKey.objects.filter(key_hash=ApiKey.hash(DEMO_API_KEY)).exists():
        ApiKey.issue("演示：城市App", raw=DEMO_API_KEY)


def _submit(
    ctx,
    days_ago: float,
    text: str,
    grid: str,
    channel: str = "web",
    reporter: str | None = None,
    entered_by: str | None = None,
    **kw,
) -> Request | None:
    existing = Request.objects.filter(text=text).first()
    if existing is not None:
        return None
    when = timezone.now() - timedelta(days=days_ago)
    as_class = kw.pop("as_class", None)
    req = intake.request_submit(
        channel=channel,
        text=text,
        area=ctx.areas[grid],
        reporter=ctx.users.get(reporter) if reporter else None,
        entered_by=ctx.users.get(entered_by) if entered_by else None,
        now=when,
        **kw,
    )
    if as_class and req.status == Request.Status.TRIAGED:
        # Below its class's threshold the classifier leaves a request to a person: here the
        # community's committee confirms it, as it does each morning with the manual queue.
        committee = selectors.committee_for(req.area)
        people = selectors.handlers_of(committee)
        req = routing.request_confirm(
            request=req,
            actor=people[0] if people else ctx.users["admin"],
            request_class=as_class,
        )
    return req


def _handler(ctx, req: Request):
    """Someone of the handling organisation (the site admin where it has no staff)."""
    people = selectors.handlers_of(req.organisation)
    return people[0] if people else ctx.users["admin"]


def _reply(ctx, req: Request, text: str, *, days_after: float, **kw) -> None:
    req.refresh_from_db()
    if req.status not in OPEN_HANDLING:
        return
    followup.request_reply(
        request=req,
        actor=_handler(ctx, req),
        reply=text,
        now=req.created_at + timedelta(days=days_after),
        **kw,
    )


def _rate(req: Request, user, score: int, comment: str = "") -> None:
    req.refresh_from_db()
    if req.status == "closed" and req.reporter_id == user.pk:
        followup.request_rate(request=req, user=user, score=score, comment=comment)


def load(ctx) -> None:
    _reference_data(ctx)
    u = ctx.users
    st = {s.code: s for s in ServiceType.objects.all()}

    # 大事, web, closed on time and rated 5
    r = _submit(
        ctx,
        20,
        "南京路和延安三路路口那个井盖塌了一半，晚上骑电动车的差点摔进去，赶紧找人来修吧！",
        "xinzhan-1",
        reporter="13900000001",
        address="南京路与延安三路路口",
        lat="36.0720",
        lon="120.3920",
    )
    if r:
        followup.request_start(request=r, actor=_handler(ctx, r))
        _reply(ctx, r, "已于当日下午更换井盖并加固井圈，感谢您的反映。", days_after=0.3)
        _rate(r, u["13900000001"], 5, comment="处理很快")

    # 大事, hotline, in progress, escalated after the deadline passed
    r = _submit(
        ctx,
        9,
        "【12345工单】来电人反映：其所在楼座暖气片冰凉，同单元住户均不热，供热公司称管网问题需排查，已经等了五天无人上门。",
        "xinzhan-2",
        channel="hotline",
        entered_by="hotline01",
        reporter_name="黄女士",
        reporter_phone="13900000005",
        contact="phone",
        service_type=st["heating-gas"],
    )
    if r and r.status == "assigned":
        followup.request_start(request=r, actor=_handler(ctx, r))
        followup.escalate_overdue(now=r.deadline + timedelta(hours=1))
        r.refresh_from_db()
        followup.request_supervise(
            request=r, actor=u["admin"], note="请住建局会同供热公司两个工作日内入户排查并答复。"
        )

    # 大事, web, transferred (分流转办) then closed, rated 3
    r = _submit(
        ctx,
        15,
        "小区外面的市政道路下面好像漏水，路面一直湿着还往下塌，怕是管网破了",
        "xinzhan-3",
        reporter="13900000004",
    )
    if r:
        if r.status in OPEN_HANDLING and r.organisation.name != "市南区水务局":
            routing.request_transfer(
                request=r,
                actor=_handler(ctx, r),
                organisation=ctx.orgs["shinan-shuiwu"],
                reason="属于市政供水管网渗漏，转水务局处置",
            )
        _reply(ctx, r, "水务局已于次日完成管道抢修并恢复路面。", days_after=2)
        _rate(r, u["13900000004"], 3, comment="修好了但路面还不平")

    # 小事, grid worker, neighbour dispute mediated successfully
    r = _submit(
        ctx,
        12,
        "走访3号楼4单元，两户因楼道堆放杂物发生争执，双方情绪激动，已初步劝解，建议社区调解委员会介入。",
        "xinzhan-1",
        channel="grid_worker",
        entered_by="13800000003",
        reporter="13900000002",
        service_type=st["dispute"],
        as_class="community",
    )
    if r:
        _reply(
            ctx,
            r,
            "社区调解委员会组织双方面谈，约定杂物三日内清理、楼道保持畅通，双方签字确认。",
            days_after=3,
            mediation="success",
        )
        _rate(r, u["13900000002"], 4)

    # 小事, grid worker, mediation failed (referred on to the people's court mediation)
    r = _submit(
        ctx,
        25,
        "楼上邻居家卫生间漏水，渗到我家天花板都发霉了，他家说不是他们的问题，麻烦社区调解",
        "xinzhan-2",
        channel="grid_worker",
        entered_by="13800000003",
        reporter="13900000003",
        service_type=st["dispute"],
        as_class="community",
    )
    if r:
        _reply(
            ctx,
            r,
            "经两次调解双方未达成一致，已告知可申请专业机构鉴定或向法院诉前调解。",
            days_after=6,
            mediation="failed",
        )
        _rate(r, u["13900000003"], 2)

    # 小事, web, assigned to the committee (open)
    _submit(
        ctx,
        1,
        "单元楼的电梯又坏了，这个月第三次了，物业就贴个停运通知，我们住十八楼的老人怎么上下楼",
        "xinzhan-2",
        reporter="13900000005",
        as_class="community",
    )

    # 小事, web, a parking question the committee takes to a round table under its own title
    r = _submit(
        ctx,
        2,
        "小区里的停车位太少了，每天晚上回来都找不到地方停，能不能把北边那块空地规划成车位，大家商量一下",
        "xinzhan-1",
        reporter="13900000002",
        as_class="community",
    )
    if r and r.request_class == "community" and r.status in OPEN_HANDLING:
        topics.request_make_topic(
            request=r,
            actor=_handler(ctx, r),
            title="北边空地能否规划为停车位",
            body="居民反映晚上回小区找不到车位，建议把小区北边的空地规划成车位。"
            "空地怎么用、车位怎么分配，请大家一起商量。",
        )

    # 小事, resolved (work done, reply pending)
    r = _submit(
        ctx,
        4,
        "楼道里堆满了邻居的纸箱和旧家具，消防通道都堵了，跟他家说了不听，社区能不能出面",
        "xinzhan-3",
        reporter="13900000004",
        as_class="community",
    )
    if r and r.status == "assigned":
        followup.request_start(request=r, actor=_handler(ctx, r))
        followup.request_resolve(request=r, actor=_handler(ctx, r), note="已联系物业清理")

    # 私事, web: answered with the directory at once
    _submit(
        ctx,
        3,
        "钥匙锁在家里了，人在门外进不去，附近有开锁的吗？急！",
        "xinzhan-1",
        reporter="13900000001",
        as_class="private",
    )
    _submit(
        ctx,
        6,
        "家里老人一个人住，想给他订午饭，社区附近有没有送餐的",
        "yansanlu-1",
        reporter="13900000006",
        as_class="private",
    )

    # API (Open311) and yansanlu grid
    _submit(
        ctx,
        5,
        "路边的垃圾桶满了好几天没人收，臭气熏天，苍蝇乱飞",
        "yansanlu-2",
        channel="api",
        reporter_name="许老师",
        service_type=st["street-order"],
        as_class="government",
    )

    # Routing by line and place: the same kind of 大事 (占道经营, line 城管) goes to 李沧区城管局
    # from 李沧区, and to 香港中路街道's own 城管 team from its street, never to 市南区城管局.
    _submit(
        ctx,
        2,
        "北岭社区南门外每天晚上有人占道摆烧烤摊，桌子摆到马路上，烟熏得楼上没法开窗，"
        "车也过不去，希望城管来管一管。",
        "beiling-1",
        reporter="13900000008",
        service_type=st["street-order"],
        address="北岭社区南门外",
        lat="36.1605",
        lon="120.4310",
    )
    _submit(
        ctx,
        1.5,
        "浮山后小区门口的人行道上有商户私自搭了个铁皮棚子卖水果，占了大半个人行道，"
        "推婴儿车只能走机动车道。",
        "fushan-1",
        reporter="13900000009",
        service_type=st["street-order"],
        address="浮山后小区北门人行道",
        lat="36.0950",
        lon="120.4120",
    )

    # 大事 from 12345 on wages, closed late (after its deadline), rated 4
    r = _submit(
        ctx,
        30,
        "【12345工单】来电人反映：本人在某物业公司任保安，公司连续四个月未足额发放工资，且未缴纳社会保险，要求劳动监察部门介入。",
        "yansanlu-1",
        channel="hotline",
        entered_by="hotline01",
        reporter="13900000006",
        service_type=st["wages"],
    )
    if r:
        _reply(
            ctx,
            r,
            "劳动保障监察大队已约谈企业，欠薪已于本周足额支付，社保正在补缴。",
            days_after=12,
        )
        _rate(r, u["13900000006"], 4)

    # A disclosure of domestic violence on 12345, with the caller's number in the text:
    # sensitive by its words, so never public, whatever the classifier makes of it.
    _submit(
        ctx,
        0.5,
        "【12345工单】来电人反映：丈夫酒后多次殴打她，昨晚又动手，孩子吓坏了，不敢报警，"
        "请社区联系她本人13900000008，白天方便接电话。",
        "yansanlu-1",
        channel="hotline",
        entered_by="hotline01",
        reporter_name="何女士",
        reporter_phone="13900000008",
        contact="phone",
    )

    # Waits in the manual triage queue (too vague for the classifier)
    # (Every demo request names its service: Open311 lists none with an empty service_code.)
    r = _submit(
        ctx,
        0.2,
        "上次说的那个事怎么样了？还是老样子",
        "xinzhan-3",
        reporter="13900000004",
        service_type=st["property"],
    )
    if r and r.status != "triaged":
        Request.objects.filter(pk=r.pk).update(
            status="triaged", request_class="", organisation=None, deadline=None, confidence=0.41
        )

    # Submitted, not yet classified (a bulk import waiting for the classify task)
    if not Request.objects.filter(text__startswith="【历史工单导入】").exists():
        intake.request_submit(
            channel="hotline",
            text="【历史工单导入】来电人反映路边绿化带里堆了好多建筑垃圾，不知道谁倒的",
            area=ctx.areas["yansanlu-2"],
            entered_by=u["hotline01"],
            service_type=st["street-order"],
            classify_now=False,
        )
        Request.objects.filter(text__startswith="【历史工单导入】").update(status="submitted")

    # A reopened one: closed, resident says not solved, back with the handler
    r = _submit(
        ctx,
        3,
        "院子里的路灯有两个不亮了，晚上下班回来黑乎乎的",
        "xinzhan-1",
        reporter="13900000001",
        service_type=st["property"],
    )
    if r and r.status in OPEN_HANDLING:
        _reply(ctx, r, "物业已更换灯泡。", days_after=1)
        followup.request_reopen(
            request=r, user=u["13900000001"], reason="只修好了一个，还有一个不亮"
        )
    load_referrals(ctx)
    # Two writes above go through QuerySet.update, which the daily counts do not see.
    daily_counts.rebuild()
    ctx.log(f"triage: {Request.objects.count()} demo requests")


def load_referrals(ctx) -> None:
    """私事 referred, not closed (issue 10): a volunteer asked through the portal, who
    helped, logged the hours and was paid on the resident's confirmation; and one still
    waiting for the volunteer's answer.  Idempotent: each request by its text, the offer
    by (referral, volunteer), the payment by its key."""
    u = ctx.users
    st = {s.code: s for s in ServiceType.objects.filter(code__in=["home-repair", "home-care"])}
    r = _submit(
        ctx,
        5,
        "厨房水龙头关不紧，一直滴水，想找人帮忙换个阀芯。家里就我和老伴两个人，都七十多了，自己弄不了。",
        "xinzhan-3",
        reporter="13900000004",
        address="新湛二路7号3单元",
        service_type=st["home-repair"],
        as_class="private",
    )
    entry = ServiceDirectoryEntry.objects.filter(name="老周（志愿者）").first()
    if r is not None and r.status == "referred" and entry is not None and entry.volunteer:
        offer = referrals.help_ask(
            request=r, user=u["13900000004"], entry=entry, share_contact=True
        )
        referrals.help_answer(offer=offer, user=entry.volunteer, accept=True)
        referrals.help_log_hours(
            offer=offer,
            user=entry.volunteer,
            hours="1.5",
            note="换了阀芯，顺便紧了下水管接头",
            service_date=max(
                timezone.localdate() - timedelta(days=4), timezone.localdate(r.created_at)
            ),
        )
        referrals.help_confirm(offer=offer, user=u["13900000004"])
        referrals.referral_close(
            request=r, user=u["13900000004"], outcome="solved", comment="老周手艺好，谢谢"
        )
        _rate(r, u["13900000004"], 5, comment="志愿者第二天就上门了")

    r = _submit(
        ctx,
        1,
        "我腿脚不方便，周末想找个志愿者陪我去菜市场买点菜，顺便聊聊天。",
        "xinzhan-2",
        reporter="13900000005",
        service_type=st["home-care"],
        as_class="private",
    )
    entry = ServiceDirectoryEntry.objects.filter(name="陈阿姨（志愿者）").first()
    if r is not None and r.status == "referred" and entry is not None and entry.volunteer:
        if not HelpOffer.objects.filter(referral__request=r).exists():
            referrals.help_ask(request=r, user=u["13900000005"], entry=entry)
