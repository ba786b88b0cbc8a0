"""Demo deliberation in 新湛社区 and 延安三路社区, after the practices in the seeds:
有话大声说、圆桌话题、吐槽大会 (青岛) and 院议说 (自贡).  Idempotent: everything is looked
up by community and title before it is made.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from . import services
from .models import AgendaPage, Contribution, Outcome, Poll, Registration, Session, Topic

TOPICS = [
    # key, community, format, raiser, title, body, tags
    (
        "parking",
        "xinzhan",
        "speakup",
        "13900000003",
        "停车难：晚上回来找不到车位",
        "小区建于上世纪九十年代，车位只有三百多个，晚上七点以后基本停满，消防通道也被占。"
        "能不能和周边机关单位商量错峰共享车位？",
        ["停车", "消防通道"],
    ),
    (
        "corridor",
        "xinzhan",
        "complaint",
        "13900000005",
        "楼道堆物：纸箱、旧家具堵住安全出口",
        "2号楼、5号楼楼道里长期堆放纸箱、旧家具和电动车，存在消防隐患，多次提醒没有效果。",
        ["楼道", "消防"],
    ),
    (
        "elevator",
        "xinzhan",
        "roundtable",
        "13900000001",
        "3号楼加装电梯：费用怎么分摊",
        "3号楼共7层，住着不少老人，大家想加装电梯。低层住户担心采光和噪音，费用分摊需要商量出一个方案。",
        ["加装电梯", "老旧小区改造"],
    ),
    (
        "waste",
        "xinzhan",
        "courtyard",
        "13900000004",
        "垃圾分类投放点设在哪里",
        "现在的投放点离北门太远，老人提着厨余垃圾要走很远；放在楼下又担心异味。请大家一起商量点位和定时定点的时间。",
        ["垃圾分类"],
    ),
    (
        "renovation",
        "xinzhan",
        "roundtable",
        "13900000002",
        "老旧小区改造：先做外墙保温还是先换管网",
        "今年小区列入老旧小区改造计划，外墙保温、雨污分流管网、路面都要改，资金有限，先后顺序请居民一起定。",
        ["老旧小区改造", "管网"],
    ),
    (
        "dance",
        "xinzhan",
        "complaint",
        "13800000004",
        "广场舞音响声音太大",
        "晚上七点到九点，中心广场音响声音很大，临街住户休息受影响。希望约定音量和时间。",
        ["噪音"],
    ),
    (
        "fitness",
        "xinzhan",
        "speakup",
        "13900000005",
        "小区健身器材老化，申请更换",
        "中心广场的健身器材用了十多年，漫步机轴承松动、单杠生锈，前几天有老人锻炼时差点摔倒。"
        "希望社区向街道申请更换，并请物业定期检查。",
        ["健身器材", "安全"],
    ),
    (
        "yansanlu-bike",
        "yansanlu",
        "speakup",
        "13900000007",
        "电动车飞线充电怎么解决",
        "不少住户从楼上拉电线给电动车充电，很危险。能否在小区里建集中充电桩？",
        ["电动车", "消防"],
    ),
]

CONTRIBUTIONS = {
    "parking": [
        (
            "13900000001",
            "suggestion",
            "可以和旁边的街道办、学校谈一谈，晚上和周末把他们的车位开放给居民。",
        ),
        ("13900000002", "support", "同意，消防通道一定要清出来，救护车进不来太危险了。"),
        ("13800000004", "suggestion", "社区可以先摸底，统计一下各楼的车辆数量。"),
    ],
    "corridor": [
        ("13900000002", "support", "5号楼一单元尤其严重，晚上灯坏了还容易绊倒。"),
        ("13900000003", "suggestion", "建议物业统一清运一次，以后网格员每周巡查。"),
    ],
    "elevator": [
        ("13900000004", "support", "我住六楼，腿脚不好，加装电梯是我们最盼的事。"),
        ("13900000005", "oppose", "我住一楼，用不上电梯还要担心采光，分摊比例要照顾低层住户。"),
        (
            "13900000003",
            "suggestion",
            "可以按楼层系数分摊，一楼二楼不出钱或少出，并申请政府加梯补贴。",
        ),
    ],
    "waste": [
        ("13900000001", "suggestion", "北门和3号楼之间的空地比较合适，离大家都不远。"),
        ("13900000005", "oppose", "不要放在楼下，夏天味道太大。"),
    ],
    "renovation": [
        ("13900000004", "support", "管网老化经常堵，先换管网，不然外墙刷好了又要挖路。"),
    ],
}


def _at(days: int, hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def load(ctx) -> None:
    users, areas = ctx.users, ctx.areas
    committee = {"xinzhan": users["13800000001"], "yansanlu": users["13800000002"]}
    topics: dict[str, Topic] = {}
    for key, code, fmt, raiser, title, body, tags in TOPICS:
        community = areas[code]
        topic = Topic.objects.filter(community=community, title=title).first()
        if topic is None:
            topic = services.topic_create(
                community=community,
                title=title,
                body=body,
                raised_by=users[raiser],
                format_code=fmt,
                tags=tags,
            )
        topics[key] = topic

    for key, items in CONTRIBUTIONS.items():
        topic = topics[key]
        if Contribution.objects.filter(topic=topic).exists():
            continue
        first = None
        for username, stance, text in items:
            c = services.contribution_add(
                user=users[username], topic=topic, text=text, stance=stance
            )
            first = first or c
        services.contribution_add(
            user=users["13800000001"],
            topic=topic,
            text="谢谢大家的意见，社区会整理后提交议事会。",
            parent=first,
        )

    # Support from neighbours (never the raiser); topic_support refuses repeats, so skip them.
    for key, supporters in {
        "parking": ["13900000001", "13900000002", "13900000004", "13900000005", "13800000004"],
        "corridor": ["13900000001", "13900000002", "13900000003", "13900000004"],
        "elevator": ["13900000002", "13900000003", "13900000004", "13900000005"],
        "waste": ["13900000001", "13900000002", "13900000003"],
        "renovation": ["13900000001", "13900000003", "13900000004", "13900000005"],
        "yansanlu-bike": ["13900000006"],
        # 8 of the 10 it needs: two more neighbours (13900000015, 13900000016) queue it.
        "fitness": [
            "13900000001",
            "13900000002",
            "13900000003",
            "13900000004",
            "13800000004",
            "13900000012",
            "13900000013",
            "13900000014",
        ],
    }.items():
        topic = topics[key]
        for username in supporters:
            if (
                topic.raised_by_id != users[username].pk
                and not topic.supports.filter(user=users[username]).exists()
            ):
                if not topic.is_closed:
                    services.topic_support(user=users[username], topic=topic)

    zhang = committee["xinzhan"]
    xinzhan = areas["xinzhan"]
    for key in ("parking", "renovation"):
        topics[key].refresh_from_db()
        if topics[key].status == Topic.Status.PROPOSED:
            services.topic_status_set(
                user=zhang, topic=topics[key], status=Topic.Status.UNDER_DISCUSSION
            )
    topics["dance"].refresh_from_db()
    if topics["dance"].status == Topic.Status.PROPOSED:
        services.topic_status_set(
            user=zhang,
            topic=topics["dance"],
            status=Topic.Status.DECLINED,
            reason="已由广场舞队与临街住户当面约定：音量不超过60分贝、21点前结束，不再上议事会。",
        )

    # A past round-table session that decided the lift and the corridors.
    past = Session.objects.filter(community=xinzhan, title="圆桌话题：加装电梯与楼道堆物").first()
    if past is None:
        past = services.session_create(
            user=zhang,
            community=xinzhan,
            format_code="roundtable",
            title="圆桌话题：加装电梯与楼道堆物",
            description="居民代表、社区两委、物业和业委会围坐协商，会后公开结果。",
            starts_at=_at(-10, 19),
            ends_at=_at(-10, 21),
            capacity=20,
            place="新湛社区党群服务中心二楼议事厅",
            registration_opens=_at(-20, 9),
            registration_closes=_at(-10, 12),
            topics=[topics["elevator"], topics["corridor"]],
        )
        for username in ("13900000001", "13900000002", "13900000003", "13900000004", "13900000005"):
            reg = services.registration_create(user=users[username], session=past, now=_at(-15, 10))
            if username != "13900000005":
                services.checkin(by=zhang, session=past, code=reg.code, now=past.starts_at)

    poll = Poll.objects.filter(
        community=xinzhan, question="是否同意3号楼按楼层系数分摊加装电梯费用？"
    ).first()
    if poll is None:
        poll = services.poll_create(
            user=zhang,
            community=xinzhan,
            question="是否同意3号楼按楼层系数分摊加装电梯费用？",
            options=["同意", "不同意", "弃权"],
            opens_at=_at(-10, 19),
            closes_at=_at(-8, 19),
            topic=topics["elevator"],
        )
        options = list(poll.options.all())
        for username, choice in (
            ("13900000001", 0),
            ("13900000002", 0),
            ("13900000003", 0),
            ("13900000004", 0),
            ("13900000005", 1),
            ("13800000004", 2),
        ):
            services.poll_vote(
                user=users[username], poll=poll, option_ids=[options[choice].pk], now=_at(-9, 10)
            )

    if not Outcome.objects.filter(topic=topics["elevator"]).exists():
        services.outcome_publish(
            user=zhang,
            topic=topics["elevator"],
            decision="同意3号楼加装电梯。费用按楼层系数分摊，一、二层住户不分摊，并由社区协助申请市级加梯补贴。",
            poll=poll,  # its counts (4 : 1 : 1) are the tally
            followups=[
                {
                    "action": "向区住建局提交加装电梯申请和补贴材料",
                    "responsible": "新湛社区居委会",
                    "due_date": _at(20, 9).date(),
                },
                {
                    "action": "组织施工方案公示（10天）",
                    "responsible": "新湛小区业主委员会",
                    "due_date": _at(35, 9).date(),
                },
                {
                    "action": "电梯施工与验收",
                    "responsible": "海湾物业服务有限公司新湛项目部",
                    "due_date": _at(120, 9).date(),
                },
            ],
        )
        first = topics["elevator"].outcome.followups.order_by("due_date").first()
        services.followup_status_set(user=zhang, followup=first, status="in_progress")
    if not Outcome.objects.filter(topic=topics["corridor"]).exists():
        outcome = services.outcome_publish(
            user=zhang,
            topic=topics["corridor"],
            decision="两周内集中清理楼道堆物；之后网格员每周巡查，发现堆物先提醒、三天内未清理由物业清运。",
            followups=[
                {
                    "action": "张贴清理通知并逐户提醒",
                    "responsible": "网格员李娜",
                    "due_date": _at(-5, 9).date(),
                },
                {
                    "action": "集中清运楼道杂物",
                    "responsible": "海湾物业服务有限公司新湛项目部",
                    "due_date": _at(4, 9).date(),
                },
            ],
        )
        first = outcome.followups.order_by("due_date").first()
        services.followup_status_set(user=zhang, followup=first, status="done")

    # Upcoming sessions: a speak-up evening and a courtyard talk.
    upcoming = [
        (
            "有话大声说：停车和老旧小区改造",
            "speakup",
            _at(5, 19),
            _at(5, 21),
            "新湛社区党群服务中心一楼大厅",
            "",
            30,
            [topics["parking"], topics["renovation"]],
        ),
        (
            "院议说：垃圾分类投放点",
            "courtyard",
            _at(2, 16),
            _at(2, 17),
            "3号楼前小广场",
            "https://meeting.example.cn/xinzhan-yuanyi",
            3,
            [topics["waste"]],
        ),
    ]
    for title, fmt, starts, ends, place, link, capacity, agenda in upcoming:
        session = Session.objects.filter(community=xinzhan, title=title).first()
        if session is None:
            session = services.session_create(
                user=zhang,
                community=xinzhan,
                format_code=fmt,
                title=title,
                starts_at=starts,
                ends_at=ends,
                capacity=capacity,
                place=place,
                online_url=link,
                registration_opens=_at(-3, 9),
                topics=agenda,
            )
            for username in ("13900000001", "13900000002", "13900000004", "13900000005"):
                services.registration_create(user=users[username], session=session)

    # 吐槽大会: the fourth format with a session of its own.
    complaint = "吐槽大会：物业服务与小区环境"
    if not Session.objects.filter(community=xinzhan, title=complaint).exists():
        session = services.session_create(
            user=zhang,
            community=xinzhan,
            format_code="complaint",
            title=complaint,
            description="物业经理、业委会和社区两委到场，居民把烦心事摆到桌面上，逐条登记、分流办理。",
            starts_at=_at(12, 19),
            ends_at=_at(12, 21),
            capacity=50,
            place="新湛社区党群服务中心一楼大厅",
            registration_opens=_at(-2, 9),
        )
        for username in ("13900000003", "13900000012"):
            services.registration_create(user=users[username], session=session)

    if not Poll.objects.filter(community=xinzhan, topic=topics["waste"]).exists():
        services.poll_create(
            user=zhang,
            community=xinzhan,
            question="垃圾分类投放点设在哪里？（可多选）",
            options=["北门东侧空地", "3号楼与5号楼之间", "南门停车场旁"],
            opens_at=_at(-1, 9),
            closes_at=_at(7, 21),
            kind=Poll.Kind.MULTIPLE,
            hide_results_until_close=True,
            topic=topics["waste"],
        )

    # A published agenda page with the outcome of the past session.
    parent = xinzhan.page
    if not AgendaPage.objects.child_of(parent).filter(slug="yizhenghui-jiati").exists():
        page = AgendaPage(
            title="圆桌话题议程与结果：加装电梯、楼道堆物",
            slug="yizhenghui-jiati",
            session=past,
            intro="<p>本次圆桌话题由社区两委召集，居民代表、物业、业委会参加，围绕两项议题协商。</p>",
            outcome_summary="<p>两项议题均形成决定，后续事项及办理进度在下方公开，办结前持续更新。</p>",
        )
        parent.add_child(instance=page)
        page.save_revision().publish()

    # Registration of the other community's committee, so both communities show something.
    wang = committee["yansanlu"]
    yansanlu = areas["yansanlu"]
    if not Session.objects.filter(community=yansanlu).exists():
        s = services.session_create(
            user=wang,
            community=yansanlu,
            format_code="speakup",
            title="有话大声说：电动车充电安全",
            starts_at=_at(7, 19),
            ends_at=_at(7, 20),
            capacity=40,
            place="延安三路社区活动室",
            registration_opens=_at(-1, 9),
            topics=[topics["yansanlu-bike"]],
        )
        if not Registration.objects.filter(session=s).exists():
            services.registration_create(user=users["13900000006"], session=s)
    ctx.log("deliberation: topics, sessions, polls and an agenda page ready")
