import csv

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from tests import factories
from triage import classifier, modelling, services
from triage.models import ClassifierModel, Label, Request
from triage.services import training

pytestmark = pytest.mark.django_db


def test_the_shipped_model_is_the_chosen_ensemble_with_its_per_class_thresholds():
    record, pipe = classifier.active("class")
    assert record is not None and record.source == "seed:class"
    assert set(record.labels) == {"大事", "小事", "私事"}
    assert type(pipe).__module__.startswith("sklearn.ensemble")
    assert record.metrics["model"] == modelling.CHOSEN == "ensemble"
    assert record.metrics["thresholds"] == modelling.SEED_THRESHOLDS
    held = record.metrics["holdout"]
    assert held["n"] == 314 and held["macro_f1"] > 0.9 and held["ece"] < 0.1
    assert 0 < held["manual_share"] < 0.3
    # the pickled pipeline names only module-level classes a web process can import
    matters = pipe.named_estimators_["char_matters_lr"].named_steps["features"]
    assert type(matters.transformer_list[1][1]) is modelling.MatterFeatures


@pytest.mark.parametrize(
    "text,expected",
    [
        ("家门口马路上的自来水管爆了，水流了一街", "government"),
        ("楼上邻居天天半夜拖椅子，沟通没用，请社区调解", "community"),
        ("家里厨房水龙头坏了，想找个师傅上门换", "private"),
        ("公司拖欠了我三个月工资，老板不接电话", "government"),
    ],
)
def test_hard_cases_land_in_the_right_class(text, expected):
    assert services.classify(text)["request_class"] == expected


def test_keyword_rules_pick_the_service_type(w):
    result = services.classify("我们这边停水了，一点通知都没有")
    assert result["service_type"] == w["types"]["water"]
    assert result["department"] == "水务"  # a line: routing finds its department in the area


def _csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        writer.writerows(rows)


def test_train_and_evaluate_commands(tmp_path, capsys):
    path = tmp_path / "dept.csv"
    rows = [
        (f"{t}{i}", lab)
        for i in range(4)
        for t, lab in [
            ("马路上井盖丢了", "城管局"),
            ("路灯不亮", "城管局"),
            ("停水了没有通知", "水务局"),
            ("自来水发黄", "水务局"),
        ]
    ]
    _csv(path, rows)
    call_command("triage_train", csv=str(path), target="department")
    active = ClassifierModel.objects.get(target="department", is_active=True)
    assert active.version == 2 and active.labels == ["城管局", "水务局"]
    call_command("triage_evaluate", csv=str(path), target="department")
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("macro_f1=") and float(out[-1].split("=")[1]) > 0.9
    assert any("confusion" in line for line in out)


def test_train_refuses_wrong_class_labels(tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "bad.csv"
    _csv(path, [("路灯坏了", "urgent"), ("开锁", "cheap")])
    with pytest.raises(CommandError):
        call_command("triage_train", csv=str(path), target="class")
    assert ClassifierModel.objects.filter(target="class").count() == 1


def test_staff_labels_retrain_a_new_version_once(w):
    Label.objects.create(target="class", text="小区喷泉的水好久没换", label="小事")
    first = services.model_retrain("class")
    assert first is not None and first.version == 2 and first.is_active
    assert services.model_retrain("class") is None  # same data, no new version
    record, _pipe = classifier.active("class")
    assert record.pk == first.pk


# --------------------------------------------------------------------------- thresholds, 清单


def _active_class():
    return ClassifierModel.objects.get(target="class", is_active=True)


def _set_thresholds(**by_label):
    record = _active_class()
    record.metrics = {**record.metrics, "thresholds": by_label}
    record.save(update_fields=["metrics"])


LEAK = "小区门口马路上的自来水管爆了，水流了一街，请尽快派人来修"


def test_each_class_has_its_own_threshold_below_which_a_request_waits(w):
    probability = services.classify(LEAK)["probabilities"]["government"]
    assert probability > 0.6
    _set_thresholds(大事=min(0.99, probability + 0.01), 小事=0.6, 私事=0.6)
    waiting = services.request_submit(
        channel="web", text=LEAK, area=w["tree"]["grid"], reporter=w["resident"]
    )
    assert waiting.status == Request.Status.TRIAGED and waiting.request_class == ""
    assert waiting.suggested_class == "government"
    note = waiting.events.get(kind="classified").note
    assert f"{waiting.confidence:.0%}" in note and "class-v" in note
    _set_thresholds(大事=max(0.6, probability - 0.01), 小事=0.99, 私事=0.99)
    routed = services.request_submit(
        channel="web", text=LEAK + "。", area=w["tree"]["grid"], reporter=w["resident"]
    )
    assert routed.request_class == "government" and routed.status == Request.Status.ASSIGNED


def test_the_global_setting_is_a_floor_under_the_stored_thresholds(w, settings):
    settings.TRIAGE_CONFIDENCE_THRESHOLD = 1.01  # a city that wants people to check everything
    thresholds = services.classification.class_thresholds()
    assert thresholds == {c: 1.01 for c in ("government", "community", "private")}
    req = services.request_submit(
        channel="web", text=LEAK, area=w["tree"]["grid"], reporter=w["resident"]
    )
    assert req.status == Request.Status.TRIAGED


def test_the_matter_type_is_the_one_with_most_keywords_then_the_longest():
    from triage.models import MatterType

    a = MatterType(code="a", name="A", request_class="community", keywords="电梯 停运")
    b = MatterType(code="b", name="B", request_class="community", keywords="老旧小区电梯")
    c = MatterType(code="c", name="C", request_class="private", keywords="电梯|广告")
    match = services.classification.match_matter
    assert match("电梯停运三天了", [a, b, c]) == a  # two keywords beat one
    assert match("老旧小区电梯又坏了", [a, b, c]) == b  # one each: the longest wins
    assert match("电梯里的广告太吵", [a, b, c]) == c
    assert match("电梯里的广告太吵", [a, b, c], "community") == a
    assert match("今天天气很好", [a, b, c]) is None


def test_editing_the_list_in_the_admin_changes_how_a_matching_text_is_read(client, w, settings):
    from triage.models import MatterType

    settings.PORTAL_REQUIRE_STAFF_MFA = False
    text = "楼下新开的电竞馆每天半夜还在大声喊叫，吵得老人睡不着"
    before = services.request_submit(
        channel="web", text=text, area=w["tree"]["grid"], reporter=w["resident"]
    )
    matter = MatterType.objects.get(code="business_noise")
    assert before.matter != matter and not before.sensitive
    admin = factories.UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    url = f"/admin/snippets/triage/mattertype/edit/{matter.pk}/"
    form = {
        "code": matter.code,
        "name": "娱乐场所噪音",
        "request_class": matter.request_class,
        "handler_kind": matter.handler_kind,
        "handler_line": matter.handler_line,
        "keywords": "电竞馆 喊叫 半夜",
        "examples": matter.examples,
        "sensitive": "on",
        "public_channel": matter.public_channel,
        "order": matter.order,
        "is_active": "on",
    }
    assert client.post(url, form).status_code == 302
    matter.refresh_from_db()
    assert matter.keyword_list() == ["电竞馆", "喊叫", "半夜"] and matter.sensitive
    after = services.request_submit(
        channel="web", text=text + "。", area=w["tree"]["grid"], reporter=w["resident"]
    )
    assert after.suggested_class == "government"
    assert after.matter == matter and after.sensitive
    assert "娱乐场所噪音" in after.events.get(kind="classified").note


def test_retraining_reads_the_active_list_for_its_matter_features(w):
    from triage.models import MatterType

    MatterType.objects.filter(code="business_noise").update(keywords="电竞馆 喊叫")
    MatterType.objects.filter(code="community_canteen").update(is_active=False)
    Label.objects.create(target="class", text="电竞馆半夜喊叫", label="大事")
    record = services.model_retrain("class")
    features = (
        classifier.loads(record.blob)
        .named_estimators_["char_matters_lr"]
        .named_steps["features"]
        .transformer_list[1][1]
    )
    keywords = dict(zip(features.codes_, features.keywords_, strict=True))
    assert keywords["business_noise"] == ["电竞馆", "喊叫"]
    assert "community_canteen" not in keywords


# --------------------------------------------------------------------------- triage_train


def _write(path, rows, encoding="utf-8", header=("text", "label")):
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        if header:
            writer.writerow(header)
        writer.writerows(rows)
    return path


CITY = [
    (f"{text}（第{i}次反映）", label)
    for i in range(4)
    for text, label in [
        ("楼下烧烤店油烟太大，晚上还占道经营", "大事"),
        ("小区楼道灯坏了好久，请物业来修", "小事"),
        ("健身房倒闭了，会员卡里的钱退不回来", "私事"),
    ]
]


@pytest.mark.parametrize(
    "rows,header,encoding,message",
    [
        ([], ("text", "label"), "utf-8", "没有同时包含文本和标签的行"),
        ([("路灯坏了",)], ("text",), "utf-8", "需要包含 text 和 label 列的标题行"),
        ([("路灯坏了", "urgent"), ("开锁", "大事")], ("text", "label"), "gbk", "未知标签：urgent"),
    ],
)
def test_train_refuses_unusable_csv_and_the_active_model_stays(
    tmp_path, rows, header, encoding, message
):
    active = _active_class()
    path = _write(tmp_path / "city.csv", rows, encoding=encoding, header=header)
    with translation.override("zh-hans"), pytest.raises(CommandError) as caught:
        call_command("triage_train", csv=str(path), target="class")
    assert message in str(caught.value)
    assert _active_class().pk == active.pk
    assert ClassifierModel.objects.filter(target="class").count() == 1


def test_train_reads_a_gbk_csv_and_combines_it_with_the_seed(tmp_path, capsys):
    path = _write(tmp_path / "city.csv", CITY, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    call_command("triage_train", csv=str(path), target="class", with_seed=True, folds=2)
    record = _active_class()
    seed_rows = len(training.seed_training_data("class")[0][0])
    assert record.version == 2 and record.n_samples == seed_rows + len(CITY)
    assert record.source.startswith("seed+") and set(record.metrics["thresholds"]) == {
        "大事",
        "小事",
        "私事",
    }
    assert "thresholds=" in capsys.readouterr().out


def test_a_model_that_cannot_be_stored_loadable_is_refused(tmp_path, monkeypatch):
    active = _active_class()
    monkeypatch.setattr(classifier, "dumps", lambda pipe: b"not a model")
    path = _write(tmp_path / "city.csv", CITY)
    with translation.override("en"), pytest.raises(CommandError) as caught:
        call_command("triage_train", csv=str(path), target="class", folds=2)
    assert "cannot be loaded" in str(caught.value) and "stays active" in str(caught.value)
    assert _active_class().pk == active.pk and ClassifierModel.objects.count() == 2


def test_a_corrupt_stored_version_is_not_activated(capsys):
    active = _active_class()
    ClassifierModel.objects.create(target="class", version=7, blob=b"\\x00broken", labels=[])
    with translation.override("zh-hans"), pytest.raises(CommandError) as caught:
        call_command("triage_train", target="class", activate_version=7)
    assert "无法加载" in str(caught.value)
    assert _active_class().pk == active.pk
    with pytest.raises(CommandError):
        call_command("triage_train", target="class", activate_version=99)
    ClassifierModel.objects.filter(pk=active.pk).update(is_active=False)  # none active
    with translation.override("en"):
        call_command("triage_train", target="class", activate_version=active.version)
    assert capsys.readouterr().out.strip() == f"class v{active.version} is active"
    assert _active_class().pk == active.pk


def test_a_corrupt_active_model_leaves_requests_to_people_instead_of_failing(w):
    ClassifierModel.objects.filter(target="class", is_active=True).update(blob=b"broken")
    classifier._cache.pop("class", None)
    try:
        req = services.request_submit(
            channel="web", text=LEAK, area=w["tree"]["grid"], reporter=w["resident"]
        )
    finally:
        classifier._cache.pop("class", None)
    assert req.status == Request.Status.TRIAGED and req.model_version.startswith("rules")
