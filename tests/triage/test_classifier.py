import csv

import pytest
from django.core.management import call_command

from triage import classifier, services
from triage.models import ClassifierModel, Label

pytestmark = pytest.mark.django_db


def test_the_shipped_model_is_active_and_versioned():
    record, pipe = classifier.active("class")
    assert record is not None and record.source == "seed:class"
    assert set(record.labels) == {"大事", "小事", "私事"}
    assert record.metrics["holdout"]["macro_f1"] > 0.8


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
