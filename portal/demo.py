"""Demo people and places, drawn from the practices in the press reports (shared/seeds).

`load_demo` calls `load_base()` first, then each app's `<app>/demo.py:load(ctx)`.
Everything is looked up by a stable key before it is made, so loading twice changes
nothing.  All demo accounts share DEMO_PASSWORD.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from django.db import transaction

from . import services
from .models import Area, Membership, Organisation, Role, User, guess_line

DEMO_PASSWORD = "demo-Pass-2026"

# code, name, kind, parent code, households
AREAS = [
    ("qingdao", "青岛市", "city", None, 0),
    ("shinan", "市南区", "district", "qingdao", 0),
    ("licang", "李沧区", "district", "qingdao", 0),
    ("badahu", "八大湖街道", "street", "shinan", 0),
    ("xiangangdong", "香港中路街道", "street", "shinan", 0),
    ("hushanlu", "虎山路街道", "street", "licang", 0),
    ("xinzhan", "新湛社区", "community", "badahu", 0),
    ("yansanlu", "延安三路社区", "community", "badahu", 0),
    ("fushan", "浮山后社区", "community", "xiangangdong", 0),
    ("beiling", "北岭社区", "community", "hushanlu", 0),
    ("xinzhan-1", "第一网格", "grid", "xinzhan", 312),
    ("xinzhan-2", "第二网格", "grid", "xinzhan", 296),
    ("xinzhan-3", "第三网格", "grid", "xinzhan", 305),
    ("yansanlu-1", "第一网格", "grid", "yansanlu", 288),
    ("yansanlu-2", "第二网格", "grid", "yansanlu", 301),
    ("fushan-1", "第一网格", "grid", "fushan", 320),
    ("fushan-2", "第二网格", "grid", "fushan", 276),
    ("beiling-1", "第一网格", "grid", "beiling", 298),
    ("beiling-2", "第二网格", "grid", "beiling", 310),
]

# key, name, kind, area code, parent key, phone
ORGANISATIONS = [
    ("hotline", "青岛市12345政务服务便民热线", "department", "qingdao", None, "12345"),
    ("shinan-gov", "市南区人民政府", "department", "shinan", None, ""),
    ("shinan-chengguan", "市南区城市管理局", "department", "shinan", "shinan-gov", "0532-82870000"),
    (
        "shinan-zhujian",
        "市南区住房和城乡建设局",
        "department",
        "shinan",
        "shinan-gov",
        "0532-82870111",
    ),
    (
        "shinan-shichang",
        "市南区市场监督管理局",
        "department",
        "shinan",
        "shinan-gov",
        "0532-82870222",
    ),
    ("shinan-shuiwu", "市南区水务局", "department", "shinan", "shinan-gov", "0532-82870333"),
    ("qingdao-duban", "青岛市人民政府督查室", "department", "qingdao", None, "0532-85911234"),
    ("licang-gov", "李沧区人民政府", "department", "licang", None, ""),
    ("licang-chengguan", "李沧区城市管理局", "department", "licang", "licang-gov", "0532-87890000"),
    (
        "licang-shichang",
        "李沧区市场监督管理局",
        "department",
        "licang",
        "licang-gov",
        "0532-87890222",
    ),
    (
        "hushanlu-office",
        "虎山路街道办事处",
        "department",
        "hushanlu",
        "licang-gov",
        "0532-87660000",
    ),
    ("badahu-office", "八大湖街道办事处", "department", "badahu", "shinan-gov", "0532-85710000"),
    ("xinzhan-committee", "新湛社区两委", "committee", "xinzhan", "badahu-office", "0532-85711234"),
    (
        "yansanlu-committee",
        "延安三路社区两委",
        "committee",
        "yansanlu",
        "badahu-office",
        "0532-85715678",
    ),
    ("fushan-committee", "浮山后社区两委", "committee", "fushan", None, "0532-85880011"),
    ("beiling-committee", "北岭社区两委", "committee", "beiling", None, "0532-87661122"),
    (
        "xinzhan-property",
        "海湾物业服务有限公司新湛项目部",
        "property",
        "xinzhan",
        None,
        "0532-85719999",
    ),
    ("xinzhan-owners", "新湛小区业主委员会", "owners", "xinzhan", None, ""),
    ("xinzhan-social", "八大湖社工站", "social", "badahu", None, "0532-85712020"),
    ("xinzhan-mediation", "新湛社区人民调解委员会", "social", "xinzhan", "xinzhan-committee", ""),
    ("provider-jiazheng", "巧手家政服务中心", "provider", "shinan", None, "0532-88886666"),
    ("provider-repair", "邻里通家电维修", "provider", "shinan", None, "0532-88887777"),
    ("provider-canteen", "幸福里长者食堂", "provider", "badahu", None, "0532-85713030"),
]

# 联合督办: offices that follow and press every request in their area, level by level
# (street → district → city); `Organisation.line` of each department is read from its name.
SUPERVISING = {"qingdao-duban", "shinan-gov", "licang-gov", "badahu-office", "hushanlu-office"}

# username, display name, email, phone, [(role, area code, org key)], residency grid or None
PEOPLE = [
    ("admin", "系统管理员", "admin@example.cn", "", [("site_admin", "qingdao", None)], None),
    (
        "13800000001",
        "张丽（新湛社区书记）",
        "zhangli@example.cn",
        "13800000001",
        [("committee", "xinzhan", "xinzhan-committee")],
        "xinzhan-1",
    ),
    (
        "13800000004",
        "刘洋（新湛社区委员）",
        "liuyang@example.cn",
        "13800000004",
        [("committee", "xinzhan", "xinzhan-committee")],
        "xinzhan-2",
    ),
    (
        "13800000002",
        "王建国（延安三路社区主任）",
        "wangjg@example.cn",
        "13800000002",
        [("committee", "yansanlu", "yansanlu-committee")],
        "yansanlu-1",
    ),
    (
        "13800000005",
        "赵敏（北岭社区书记）",
        "zhaomin@example.cn",
        "13800000005",
        [("committee", "beiling", "beiling-committee")],
        "beiling-1",
    ),
    (
        "13800000003",
        "李娜（网格员）",
        "lina@example.cn",
        "13800000003",
        [
            ("grid_worker", "xinzhan-1", "xinzhan-committee"),
            ("grid_worker", "xinzhan-2", "xinzhan-committee"),
        ],
        None,
    ),
    (
        "13800000006",
        "孙涛（网格员）",
        "suntao@example.cn",
        "13800000006",
        [("grid_worker", "yansanlu-1", "yansanlu-committee")],
        None,
    ),
    (
        "hotline01",
        "周静（12345接线员）",
        "hotline01@example.cn",
        "",
        [("department", "qingdao", "hotline")],
        None,
    ),
    (
        "chengguan01",
        "吴刚（市南区城管局）",
        "chengguan01@example.cn",
        "",
        [("department", "shinan", "shinan-chengguan")],
        None,
    ),
    (
        "zhujian01",
        "郑红（市南区住建局）",
        "zhujian01@example.cn",
        "",
        [("department", "shinan", "shinan-zhujian")],
        None,
    ),
    (
        "badahu01",
        "冯军（八大湖街道）",
        "badahu01@example.cn",
        "",
        [("department", "badahu", "badahu-office")],
        None,
    ),
    (
        "13900000001",
        "陈阿姨",
        "chen@example.cn",
        "13900000001",
        [("volunteer", "xinzhan", None)],
        "xinzhan-1",
    ),
    (
        "13900000002",
        "老周",
        "laozhou@example.cn",
        "13900000002",
        [("volunteer", "xinzhan", None)],
        "xinzhan-1",
    ),
    ("13900000003", "小林", "xiaolin@example.cn", "13900000003", [], "xinzhan-2"),
    (
        "13900000004",
        "马大爷",
        "mady@example.cn",
        "13900000004",
        [("volunteer", "xinzhan", None)],
        "xinzhan-3",
    ),
    ("13900000005", "黄女士", "huang@example.cn", "13900000005", [], "xinzhan-2"),
    (
        "13900000006",
        "杨师傅",
        "yang@example.cn",
        "13900000006",
        [("volunteer", "yansanlu", None)],
        "yansanlu-1",
    ),
    ("13900000007", "许老师", "xu@example.cn", "13900000007", [], "yansanlu-2"),
    ("13900000008", "何奶奶", "he@example.cn", "13900000008", [], "beiling-1"),
    ("13900000009", "宋先生", "song@example.cn", "13900000009", [], "fushan-1"),
    ("13900000010", "新来的邻居", "newcomer@example.cn", "13900000010", [], "pending:xinzhan-3"),
    # 督办 one level up: the district government presses its departments (城管、住建 …);
    # the street office (badahu01 above) presses the community committees below it.
    (
        "shinan01",
        "陈志强（市南区政府督查室）",
        "shinan01@example.cn",
        "",
        [("department", "shinan", "shinan-gov")],
        None,
    ),
    # 联合督办 in 李沧区 and for the whole city: a street, a district and a city supervisor.
    (
        "hushanlu01",
        "高峰（虎山路街道）",
        "hushanlu01@example.cn",
        "",
        [("department", "hushanlu", "hushanlu-office")],
        None,
    ),
    (
        "licang01",
        "韩梅（李沧区政府督查室）",
        "licang01@example.cn",
        "",
        [("department", "licang", "licang-gov")],
        None,
    ),
    (
        "duban01",
        "曹磊（青岛市政府督查室）",
        "duban01@example.cn",
        "",
        [("department", "qingdao", "qingdao-duban")],
        None,
    ),
    # A volunteer four verified hours short of the first star (100 hours).
    (
        "13900000011",
        "王秀英（退休教师）",
        "wangxy@example.cn",
        "13900000011",
        [("volunteer", "xinzhan", None)],
        "xinzhan-3",
    ),
    # Enough confirmed neighbours in 新湛社区 to carry a topic past its threshold of 10.
    ("13900000012", "刘桂兰", "liugl@example.cn", "13900000012", [], "xinzhan-1"),
    ("13900000013", "赵建华", "zhaojh@example.cn", "13900000013", [], "xinzhan-2"),
    ("13900000014", "孙明", "sunming@example.cn", "13900000014", [], "xinzhan-3"),
    ("13900000015", "钱文静", "qianwj@example.cn", "13900000015", [], "xinzhan-1"),
    ("13900000016", "周海波", "zhouhb@example.cn", "13900000016", [], "xinzhan-2"),
]

# What a visitor to the demo can try, and as whom: (group, username, what to do).
# `demo_credentials` prints them; tests/cms/test_demo.py checks each holds.
SHOWCASE = [
    (
        "督办 supervision",
        "shinan01",
        "区级督办：可督办市南区各部门（城管局、住建局等）正在办理的诉求，如“暖气片冰凉”工单",
    ),
    (
        "督办 supervision",
        "badahu01",
        "街道督办：可督办八大湖街道内正在办理的全部诉求，社区两委和物业的（如“电梯又坏了”）"
        "和区级部门的（如“暖气片冰凉”）都可以",
    ),
    (
        "督办 supervision",
        "hushanlu01",
        "街道督办：虎山路街道（李沧区）内的诉求，如北岭社区“占道烧烤”由李沧区城管局办理；"
        "看不到市南区的诉求",
    ),
    (
        "督办 supervision",
        "duban01",
        "市级督办：区里逾期仍未办结的诉求逐级升级到这里（网格→社区→街道→区→市）",
    ),
    (
        "志愿者 volunteer",
        "13900000011",
        "已审核服务 96 小时，离一星志愿者（100 小时）差 4 小时；还有 4 小时待社区审核",
    ),
    (
        "议题 topic",
        "13900000015",
        "“小区健身器材老化，申请更换”已有 8 人支持（门槛 10）；"
        "再用 13900000015、13900000016 登录点“我支持”，议题即进入两委议事队列",
    ),
]

# Privacy choices some demo residents made in /me/preferences/: 老周 shows as 周先生,
# 许老师 as 匿名居民, and 杨师傅 keeps his hours off the public leaderboard.
DEMO_PRIVACY = {
    "13900000002": {"name_style": User.NameStyle.SURNAME_MR},
    "13900000006": {"leaderboard_opt_out": True},
    "13900000007": {"name_style": User.NameStyle.ANONYMOUS},
}


@dataclass
class DemoContext:
    areas: dict[str, Area] = field(default_factory=dict)
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    stdout: object = sys.stdout

    def log(self, message: str) -> None:
        self.stdout.write(f"{message}\n")


@transaction.atomic
def load_base(ctx: DemoContext) -> DemoContext:
    for code, name, kind, parent, households in AREAS:
        area = Area.objects.filter(code=code).first()
        if area is None:
            area = services.area_create(
                parent=ctx.areas[parent] if parent else None,
                name=name,
                kind=kind,
                code=code,
                households=households,
            )
        ctx.areas[code] = area
    for key, name, kind, area_code, parent_key, phone in ORGANISATIONS:
        org, _ = Organisation.objects.get_or_create(
            area=ctx.areas[area_code],
            name=name,
            defaults={
                "kind": kind,
                "parent": ctx.orgs.get(parent_key) if parent_key else None,
                "phone": phone,
            },
        )
        _line_and_supervision(org, key)
        ctx.orgs[key] = org
    for username, display, email, phone, roles, home in PEOPLE:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                display_name=display,
                email=email,
                phone=phone,
                phone_verified=bool(phone),
            )
            for name, value in DEMO_PRIVACY.get(username, {}).items():
                setattr(user, name, value)
            user.set_password(DEMO_PASSWORD)
            if username == "admin":
                user.is_superuser = user.is_staff = True
            user.save()
            from allauth.account.models import EmailAddress

            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
        ctx.users[username] = user
        for role, area_code, org_key in roles:
            services.membership_grant(
                user=user,
                role=role,
                area=ctx.areas[area_code],
                organisation=ctx.orgs.get(org_key) if org_key else None,
            )
        if home:
            pending = home.startswith("pending:")
            grid = ctx.areas[home.removeprefix("pending:")]
            if not Membership.objects.filter(user=user, role=Role.RESIDENT).exists():
                Membership.objects.create(
                    user=user,
                    role=Role.RESIDENT,
                    area=grid,
                    status=Membership.Status.PENDING if pending else Membership.Status.ACTIVE,
                    address=_demo_address(username),
                )
    return ctx


def _line_and_supervision(org: Organisation, key: str) -> None:
    """A department's line from its name, and the supervising offices (`SUPERVISING`)."""
    line = guess_line(org.name) if org.kind == Organisation.Kind.DEPARTMENT else ""
    supervises = key in SUPERVISING
    if (org.line, org.supervises) != (org.line or line, supervises or org.supervises):
        org.line = org.line or line
        org.supervises = supervises or org.supervises
        org.save(update_fields=["line", "supervises"])


def _demo_address(username: str) -> str:
    n = int(username[-2:]) if username[-2:].isdigit() else 1
    return f"湛山花园{n % 12 + 1}号楼{n % 3 + 1}单元{n % 6 + 1}0{n % 2 + 1}室"
