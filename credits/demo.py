"""Demo moral bank, after the 道德银行 of 龙湖远达社区 in seed 004 (自贡): good deeds are
quantified as 道德币 and exchanged for honours (荣誉), goods (物品) and services (服务).

Idempotent: rules and rewards are looked up by name, logs by volunteer and activity,
payments and redemptions by their idempotency keys.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from .models import Deed, EarningRule, Redemption, Reward, ServiceLog
from .services import awards, hours, redemptions

RULES = [
    # community, deed, coins per unit, daily cap, monthly cap
    ("xinzhan", Deed.VOLUNTEER_HOUR, "10.00", "80.00", "600.00"),
    ("xinzhan", Deed.SESSION_ATTENDANCE, "5.00", "10.00", "60.00"),
    ("xinzhan", Deed.NEIGHBOUR_HELP, "8.00", "16.00", "120.00"),
    ("xinzhan", Deed.PUBLIC_WELFARE, "15.00", "30.00", "150.00"),
    ("yansanlu", Deed.VOLUNTEER_HOUR, "8.00", "64.00", "500.00"),
    ("yansanlu", Deed.SESSION_ATTENDANCE, "5.00", None, "50.00"),
    ("beiling", Deed.VOLUNTEER_HOUR, "10.00", None, None),
]

# community, kind, name, cost, stock, provider key, per-resident limit, description
REWARDS = [
    (
        "xinzhan",
        "honour",
        "“道德之星”荣誉证书",
        "200.00",
        None,
        None,
        1,
        "在社区道德银行积分榜公示，颁发荣誉证书，年终表彰。",
    ),
    (
        "xinzhan",
        "honour",
        "“好邻居”光荣榜上榜",
        "80.00",
        None,
        None,
        1,
        "社区宣传栏和网站光荣榜展示一个月。",
    ),
    ("xinzhan", "goods", "洗衣液（2kg）", "30.00", 40, None, 2, "社区服务站领取。"),
    ("xinzhan", "goods", "东北大米（5kg）", "60.00", 20, None, 1, "由社区爱心超市提供。"),
    ("xinzhan", "goods", "环保购物袋", "10.00", 100, None, 5, "垃圾分类宣传纪念品。"),
    (
        "xinzhan",
        "service",
        "家政保洁一小时",
        "80.00",
        15,
        "provider-jiazheng",
        2,
        "巧手家政上门服务，预约后一周内安排。",
    ),
    (
        "xinzhan",
        "service",
        "小家电免费检修一次",
        "50.00",
        10,
        "provider-repair",
        1,
        "电饭煲、电风扇等小家电。",
    ),
    (
        "xinzhan",
        "service",
        "长者食堂午餐券",
        "20.00",
        60,
        "provider-canteen",
        10,
        "幸福里长者食堂，六十岁以上居民。",
    ),
    ("yansanlu", "goods", "食用油（1.8L）", "40.00", 30, None, 1, "社区服务站领取。"),
    ("yansanlu", "honour", "“最美志愿者”称号", "300.00", None, None, 1, "年度志愿服务表彰。"),
]

# volunteer, community, days ago, start, end, activity, place, final state
LOGS = [
    (
        "13900000001",
        "xinzhan",
        20,
        "08:30",
        "11:30",
        "垃圾分类桶边督导",
        "湛山花园3号楼垃圾房",
        "approved",
    ),
    ("13900000001", "xinzhan", 13, "14:00", "17:00", "独居老人探访", "湛山花园各楼栋", "approved"),
    (
        "13900000001",
        "xinzhan",
        6,
        "09:00",
        "11:00",
        "社区议事会会务服务",
        "新湛社区党群服务中心",
        "approved",
    ),
    ("13900000001", "xinzhan", 2, "15:00", "17:30", "楼道小广告清理", "湛山花园5号楼", "pending"),
    ("13900000002", "xinzhan", 15, "07:00", "09:00", "上下学护学岗", "新湛小学门口", "approved"),
    ("13900000002", "xinzhan", 8, "19:00", "21:00", "夜间平安巡逻", "新湛社区主干道", "rejected"),
    (
        "13900000002",
        "xinzhan",
        1,
        "07:00",
        "09:00",
        "上下学护学岗（周五）",
        "新湛小学门口",
        "pending",
    ),
    ("13900000004", "xinzhan", 30, "09:00", "12:00", "义务理发", "新湛社区党群服务中心", "revoked"),
    (
        "13900000004",
        "xinzhan",
        10,
        "09:00",
        "12:00",
        "义务理发（第二场）",
        "新湛社区党群服务中心",
        "approved",
    ),
    ("13900000004", "xinzhan", 3, "14:00", "16:00", "防诈骗宣传", "社区文化广场", "pending"),
    ("13900000006", "yansanlu", 5, "08:00", "11:00", "海边净滩", "第三海水浴场", "approved"),
]


def load(ctx) -> None:
    committee = {"xinzhan": ctx.users["13800000001"], "yansanlu": ctx.users["13800000002"]}
    for code, deed, amount, daily, monthly in RULES:
        EarningRule.objects.get_or_create(
            community=ctx.areas[code],
            deed=deed,
            defaults={
                "amount": Decimal(amount),
                "daily_cap": Decimal(daily) if daily else None,
                "monthly_cap": Decimal(monthly) if monthly else None,
                "valid_from": dt.date(2025, 1, 1),
            },
        )
    rewards = {}
    for code, kind, name, cost, stock, provider, limit, desc in REWARDS:
        rewards[name], _created = Reward.objects.get_or_create(
            community=ctx.areas[code],
            name=name,
            defaults={
                "kind": kind,
                "cost": Decimal(cost),
                "stock": stock,
                "provider": ctx.orgs.get(provider) if provider else None,
                "per_resident_limit": limit,
                "description": desc,
            },
        )
    today = timezone.localdate()
    for username, code, ago, start, end, activity, place, state in LOGS:
        volunteer = ctx.users[username]
        log = ServiceLog.objects.filter(volunteer=volunteer, activity=activity).first()
        if log is not None:
            continue
        log = hours.service_log_create(
            volunteer=volunteer,
            community=ctx.areas[code],
            date=today - dt.timedelta(days=ago),
            start=dt.time.fromisoformat(start),
            end=dt.time.fromisoformat(end),
            activity=activity,
            place=place,
            description=f"{activity}，{place}。",
        )
        verifier = committee[code]
        if state in ("approved", "revoked"):
            log = hours.service_log_approve(actor=verifier, log=log)
        if state == "revoked":
            hours.service_log_revoke(actor=verifier, log=log, reason="与另一条记录重复，已合并")
        if state == "rejected":
            hours.service_log_reject(actor=verifier, log=log, reason="活动当天未签到，请补充证明")
    _near_a_star(ctx, committee["xinzhan"], today)
    # Other good deeds the seed counts: community activities, public welfare, helping people.
    xinzhan = ctx.areas["xinzhan"]
    for username, deed, key, note in [
        ("13900000003", Deed.NEIGHBOUR_HELP, "demo:help:1", "帮助邻居何奶奶搬运家具"),
        ("13900000003", Deed.PUBLIC_WELFARE, "demo:welfare:1", "参加社区爱心义卖"),
        ("13900000005", Deed.SESSION_ATTENDANCE, "demo:attendance:1", "参加“有话大声说”议事会"),
        ("13900000005", Deed.PUBLIC_WELFARE, "demo:welfare:2", "无偿献血"),
        ("13900000001", Deed.PUBLIC_WELFARE, "demo:welfare:3", "捐赠冬衣"),
    ]:
        awards.deed_award(
            user=ctx.users[username], community=xinzhan, deed=deed, idempotency_key=key, note=note
        )
    # Redemptions: one honour handed over, goods awaiting pickup, one cancelled.
    chen, laozhou = ctx.users["13900000001"], ctx.users["13900000002"]
    _redeem(
        chen,
        rewards["“好邻居”光荣榜上榜"],
        "demo:redeem:chen:honour",
        committee["xinzhan"],
        "fulfil",
    )
    _redeem(chen, rewards["环保购物袋"], "demo:redeem:chen:bag", committee["xinzhan"], "reserve")
    _redeem(
        laozhou, rewards["环保购物袋"], "demo:redeem:laozhou:bag", committee["xinzhan"], "fulfil"
    )
    _redeem(
        ctx.users["13900000003"],
        rewards["环保购物袋"],
        "demo:redeem:xiaolin:bag",
        committee["xinzhan"],
        "reserve",
    )
    _redeem(
        laozhou, rewards["环保购物袋"], "demo:redeem:laozhou:bag2", committee["xinzhan"], "cancel"
    )
    ctx.log("credits: earning rules, catalogue, service hours and redemptions ready")


# 王秀英 keeps the reading corner every Saturday morning: 24 verified mornings of 4 hours
# are 96 hours, 4 short of the first star (credits.models.STAR_LEVELS); the latest morning
# waits for the committee, whose approval would make her a one-star volunteer.
NEAR_STAR = ("13900000011", 24, "社区图书角值守", "新湛社区党群服务中心图书角")


def _near_a_star(ctx, verifier, today) -> None:
    username, weeks, activity, place = NEAR_STAR
    volunteer = ctx.users[username]
    xinzhan = ctx.areas["xinzhan"]
    last_saturday = today - dt.timedelta(days=(today.weekday() - 5) % 7 or 7)
    for n in range(weeks + 1):
        title = f"{activity}（第{n + 1}期）"
        if ServiceLog.objects.filter(volunteer=volunteer, activity=title).exists():
            continue
        log = hours.service_log_create(
            volunteer=volunteer,
            community=xinzhan,
            date=last_saturday - dt.timedelta(weeks=weeks - n),
            start=dt.time(8, 0),
            end=dt.time(12, 0),
            activity=title,
            place=place,
            description="整理图书、登记借阅，陪小朋友读绘本。",
        )
        if n < weeks:  # the latest Saturday still awaits verification
            hours.service_log_approve(actor=verifier, log=log)


def _redeem(user, reward, key, committee, outcome) -> None:
    existing = Redemption.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return
    # Every demo redemption must succeed on the first load: one made only on a later
    # load (after other apps' demos paid more coins) would break idempotency.
    r = redemptions.redemption_reserve(user=user, reward=reward, idempotency_key=key)
    if outcome == "fulfil":
        redemptions.redemption_fulfil(actor=committee, community=r.community, code=r.code)
    elif outcome == "cancel":
        redemptions.redemption_cancel(actor=user, redemption=r)
