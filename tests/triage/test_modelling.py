"""triage.modelling and the triage_compare / triage_learning_curve commands (issue #10)."""

import csv

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from triage import classifier, modelling

LOUD = ["楼下酒吧音响开到凌晨", "路口井盖塌了一半没人修", "工厂夜里偷排废水", "小区外面违建彩钢房"]
SMALL = ["小区喷泉的水好久没换", "楼道灯坏了请物业修", "邻居的狗天天叫", "业委会选举怎么报名"]
PRIVATE = ["健身卡退费老板不给", "房东不退押金", "网上买的手机坏了商家不管", "装修公司拖工期"]


def _rows(n=6):
    rows = []
    for i in range(n):
        for texts, label in [(LOUD, "大事"), (SMALL, "小事"), (PRIVATE, "私事")]:
            rows.append((f"{texts[i % len(texts)]}，第{i}次反映", label))
    return rows


def _write(path, rows, encoding="utf-8", header=("text", "label")):
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        if header:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def test_normalise_text_replaces_numbers_but_keeps_public_hotlines():
    text = "2024年3月5日21:30交了3000元押金，电话13912345678，住7号楼601，打过12315"
    assert modelling.normalise_text(text) == "ⒹⓉ交了Ⓜ押金，电话Ⓟ，住Ⓝ号楼Ⓝ，打过12315"


def test_expected_calibration_error_on_a_hand_made_case():
    # bin 0.9: two rows at 0.9, one right one wrong -> |0.5 - 0.9| = 0.4, weight 2/4
    # bin 0.6: two rows at 0.6, both right         -> |1.0 - 0.6| = 0.4, weight 2/4
    probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.4, 0.6]])
    y = np.array([0, 1, 0, 1])
    assert modelling.expected_calibration_error(probs, y, bins=10) == pytest.approx(0.4)
    # labels instead of indices, with the column order
    labels = ["a", "b", "a", "b"]
    assert modelling.expected_calibration_error(
        probs, labels, bins=10, classes=["a", "b"]
    ) == pytest.approx(0.4)
    # perfectly calibrated: confidence 1.0 and always right
    assert modelling.expected_calibration_error(np.eye(2), [0, 1]) == 0.0


def test_thresholds_send_low_confidence_rows_to_manual():
    classes = ["大事", "小事"]
    # 大事 predictions: right at 0.95, 0.9, 0.8; wrong at 0.6 -> lowest threshold with
    # precision >= 0.9 is 0.8.  小事: right at 0.9, wrong at 0.85 -> 0.9.
    probs = np.array([[0.95, 0.05], [0.9, 0.1], [0.8, 0.2], [0.6, 0.4], [0.1, 0.9], [0.15, 0.85]])
    y = ["大事", "大事", "大事", "小事", "小事", "大事"]
    thresholds = modelling.fit_thresholds(probs, y, classes, target_precision=0.9)
    assert thresholds == {"大事": pytest.approx(0.8), "小事": pytest.approx(0.9)}
    decisions = modelling.apply_thresholds(probs, classes, thresholds)
    assert decisions == ["大事", "大事", "大事", "manual", "小事", "manual"]
    report = modelling.threshold_report(decisions, y)
    assert report["manual_share"] == pytest.approx(2 / 6) and report["auto_accuracy"] == 1.0


def test_marginal_thresholds_do_not_let_confident_rows_carry_doubtful_ones():
    # 9 right at 0.99, then one wrong at 0.55 and one right at 0.5: cumulative precision at
    # 0.5 is 10/11 >= 0.9, but between 0.5 and 0.55 the model is right half the time.
    probs = np.array([[0.99, 0.01]] * 9 + [[0.5, 0.5], [0.55, 0.45]])
    y = ["a"] * 10 + ["b"]
    cumulative = modelling.fit_thresholds(probs, y, ["a", "b"], 0.9, rule="cumulative")
    marginal = modelling.fit_thresholds(probs, y, ["a", "b"], 0.9, rule="marginal")
    assert cumulative["a"] == pytest.approx(0.5)
    assert marginal["a"] == pytest.approx(0.99)
    assert modelling.apply_thresholds([[0.6, 0.4]], ["a", "b"], marginal) == ["manual"]


def test_a_class_that_never_reaches_the_precision_target_is_always_manual():
    probs = np.array([[0.7, 0.3], [0.2, 0.8]])
    thresholds = modelling.fit_thresholds(probs, ["b", "b"], ["a", "b"], target_precision=0.9)
    assert thresholds["a"] == 1.0
    assert modelling.apply_thresholds([[0.99, 0.01]], ["a", "b"], thresholds) == ["manual"]


def test_matter_features_count_keywords_of_the_list():
    features = modelling.MatterFeatures(weight=1.0).fit([])
    row = features.transform(["楼下酒吧音响开到凌晨两点", "今天天气很好"]).toarray()
    names = list(features.get_feature_names_out())
    assert row[0, names.index("matter:business_noise")] > 0
    assert row[0, names.index("label:大事")] > 0
    assert not row[1].any()


def test_combine_with_seed_lets_the_city_correct_a_seed_label():
    texts, labels = modelling.combine_with_seed(
        ["路灯坏了"], ["小事"], ["路灯坏了", "停水"], ["大事", "大事"]
    )
    assert sorted(zip(texts, labels, strict=True)) == [("停水", "大事"), ("路灯坏了", "小事")]


def test_read_csv_utf8_bom_and_gbk(tmp_path):
    rows = _rows(2)
    bom = _write(tmp_path / "bom.csv", rows, encoding="utf-8-sig")
    gbk = _write(tmp_path / "gbk.csv", rows, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        gbk.read_bytes().decode("utf-8")
    assert modelling.read_labelled_csv(bom) == modelling.read_labelled_csv(gbk)
    texts, labels = modelling.read_labelled_csv(gbk, allowed=set(modelling.CLASS_LABELS))
    assert texts[0] == rows[0][0] and labels[:3] == ["大事", "小事", "私事"]


@pytest.mark.parametrize(
    "name,rows,header,message",
    [
        ("empty.csv", [], ("text", "label"), "没有同时包含文本和标签的行"),
        ("nolabel.csv", [("路灯坏了",)], ("text",), "需要包含 text 和 label 列的标题行"),
        ("blanklabels.csv", [("路灯坏了", "")], ("text", "label"), "没有同时包含文本和标签的行"),
        ("unknown.csv", [("路灯坏了", "urgent")], ("text", "label"), "未知标签：urgent"),
    ],
)
def test_learning_curve_refuses_unusable_csv_with_a_translated_message(
    tmp_path, name, rows, header, message
):
    path = _write(tmp_path / name, rows, header=header)
    with translation.override("zh-hans"), pytest.raises(CommandError) as caught:
        call_command("triage_learning_curve", str(path))
    assert message in str(caught.value)


def test_an_empty_file_is_refused_in_english_too(tmp_path):
    path = tmp_path / "nothing.csv"
    path.write_bytes(b"")
    with translation.override("en"), pytest.raises(CommandError) as caught:
        call_command("triage_learning_curve", str(path))
    assert "needs a header row with the columns text and label" in str(caught.value)


def test_learning_curve_command_prints_the_summary_line(tmp_path, capsys):
    seed = _write(tmp_path / "seed.csv", _rows(4))
    city = _write(tmp_path / "city.csv", _rows(10), encoding="gbk")
    call_command(
        "triage_learning_curve",
        str(city),
        seed=str(seed),
        sizes="6,9,all",
        repeats=2,
        test_fraction=0.4,
        model="char14_lr",
    )
    out = capsys.readouterr().out.strip().splitlines()
    assert "seed only" in "\n".join(out)
    summary = out[-1]
    assert summary.startswith("learning_curve=6:")
    parts = dict(p.split(":") for p in summary.removeprefix("learning_curve=").split(","))
    assert list(parts) == ["6", "9", "all"]
    assert all(0.0 <= float(v) <= 1.0 for v in parts.values())


def test_learning_curve_runs_repeats_and_reports_sd():
    x, y = zip(*_rows(10), strict=True)
    seed_x, seed_y = zip(*_rows(3), strict=True)
    points = modelling.learning_curve(
        x, y, seed_x, seed_y, sizes=(6, None), repeats=2, test_fraction=0.4, name="char14_lr"
    )
    assert [p.size for p in points] == [0, 6, 18]
    assert len(points[1].runs) == 2 and len(points[2].runs) == 1
    assert points[1].mean == pytest.approx(np.mean(points[1].runs))


def test_a_model_that_cannot_load_is_refused():
    with pytest.raises(modelling.ModelLoadError):
        modelling.loads_checked(b"not a joblib file")
    x, y = zip(*_rows(2), strict=True)
    good = classifier.dumps(modelling.build("char14_lr").fit(list(x), list(y)))
    assert modelling.loads_checked(good).predict(["房东不退押金"])[0] in modelling.CLASS_LABELS


def test_the_chosen_pipeline_survives_a_joblib_round_trip():
    x, y = zip(*_rows(3), strict=True)
    model = modelling.build().fit(list(x), list(y))
    again = classifier.loads(classifier.dumps(model))
    probe = ["楼下酒吧音响开到凌晨2点", "健身卡退费3000元老板不给"]
    assert np.allclose(again.predict_proba(probe), model.predict_proba(probe))


def test_compare_quick_runs(capsys):
    call_command("triage_compare", quick=True, candidates="baseline_char13_lr,char14_matters_lr")
    out = capsys.readouterr().out
    assert "stratified 2-fold CV on 200 rows" in out
    assert "baseline_char13_lr" in out and "char14_matters_lr" in out
    assert "per-class thresholds" in out and "ECE=" in out
