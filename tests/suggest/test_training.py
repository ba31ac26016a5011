"""Fitting on small hand-made data: the stored predictor is scikit-learn's model, exactly, and
reading a stored model never runs code."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest

from tests.suggest.conftest import HANDMADE
from wangge.suggest.features import LinearTextModel, analyse
from wangge.suggest.training import NotEnoughData, dedupe, fit, fit_model, split

PAIRS = [(t, code) for code, texts in HANDMADE.items() for t in texts]


def test_features_fold_digits_and_keep_words_and_bigrams():
    feats = analyse("16号楼楼下一地碎玻璃渣儿！")
    assert "w:玻璃渣" in feats and "w:楼下" in feats
    assert "c:玻璃" in feats and "c:渣儿" in feats
    assert not any("16" in f for f in feats)  # digits folded: 16号楼 reads like 3号楼
    assert "c:0号" in feats and "c:！" not in feats


@pytest.mark.parametrize("algorithm", ["logreg", "svm"])
def test_predictor_equals_scikit_learn(algorithm):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    texts, labels = [t for t, _ in PAIRS], [y for _, y in PAIRS]
    model = fit_model(texts, labels, algorithm=algorithm, c=10.0)
    vec = TfidfVectorizer(analyzer=analyse, sublinear_tf=True, min_df=1)
    x = vec.fit_transform(texts)
    if algorithm == "logreg":
        clf = LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced").fit(x, labels)
    else:
        clf = CalibratedClassifierCV(
            LinearSVC(C=10.0, class_weight="balanced", random_state=0),
            method="sigmoid",
            cv=3,
            ensemble=False,
        ).fit(x, labels)
    probe = ["楼上半夜拖椅子", "门上贴满了电话", "地上一地碎玻璃", "完全无关的一句话"]
    expected = clf.predict_proba(vec.transform(probe))
    got = np.array([model.probabilities(t) for t in probe])
    assert model.labels == list(clf.classes_)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    # It has learned what the keyword rules do not know: no keyword of 邻里纠纷 in this text.
    assert model.ranked("楼上半夜拖椅子", 1)[0][0] == "C0101"
    assert model.ranked("单元门上贴满了办证电话", 1)[0][0] == "E0201"


def test_round_trip_through_bytes():
    model = fit_model([t for t, _ in PAIRS], [y for _, y in PAIRS], algorithm="logreg", c=10.0)
    again = LinearTextModel.from_bytes(model.to_bytes(), version=7)
    assert again.version == 7 and again.labels == model.labels
    for text in ["楼上半夜拖椅子", "路上一地碎玻璃"]:
        np.testing.assert_allclose(again.probabilities(text), model.probabilities(text))


def test_binary_model_probability():
    pairs = [(t, "request") for t in HANDMADE["E0104"]] + [
        (t, "chat")
        for t in ["早上好", "谢谢大家", "收到", "晚安", "哈哈哈", "好的好的", "团购接龙"]
    ]
    model = fit_model([t for t, _ in pairs], [y for _, y in pairs], algorithm="logreg", c=10.0)
    assert model.labels == ["chat", "request"] and model.coef.shape[0] == 1
    assert model.probability("马路上一地碎玻璃", "request") > 0.5
    assert model.probability("大家早上好", "request") < 0.5
    p = model.probabilities("随便")
    assert p.sum() == pytest.approx(1.0)


def test_reading_refuses_junk_and_pickles():
    with pytest.raises(ValueError):
        LinearTextModel.from_bytes(b"not a model")
    # An archive holding a pickled object (the way code would be smuggled in) is refused.
    buf = io.BytesIO()
    np.savez(buf, format=np.array([1]), labels=np.array([object()], dtype=object))
    with pytest.raises(ValueError):
        LinearTextModel.from_bytes(buf.getvalue())
    with pytest.raises(ValueError):
        LinearTextModel.from_bytes(pickle.dumps({"coef": [1, 2]}))
    # Arrays that do not fit together are refused too.
    model = fit_model([t for t, _ in PAIRS], [y for _, y in PAIRS], algorithm="logreg", c=10.0)
    model.coef = model.coef[:, :-1]
    with pytest.raises(ValueError, match="fit together"):
        LinearTextModel.from_bytes(model.to_bytes())


def test_fit_measures_held_out_and_refuses_too_little():
    fitted = fit(PAIRS + PAIRS, min_samples=12, min_per_label=3)
    assert fitted.samples == len(PAIRS)  # repeated texts count once
    assert fitted.heldout_size == 6  # 20% of 8 per category, rounded
    assert 0 <= fitted.accuracy <= 1
    assert fitted.top3 is None  # three labels: top-3 says nothing
    with pytest.raises(NotEnoughData):
        fit(PAIRS[:10], min_samples=12)
    with pytest.raises(NotEnoughData):
        fit([(t, "C0101") for t in HANDMADE["C0101"]], min_samples=2)  # one label


def test_split_holds_out_per_label_and_dedupe_drops_rare_labels():
    data = dedupe([*PAIRS, ("只有一次的类别", "C0501")], min_per_label=3)
    assert all(lab != "C0501" for _, lab in data)
    train, test = split(data, heldout=0.25, seed=1)
    assert sorted(train + test) == sorted(data)
    assert {lab for _, lab in test} == set(HANDMADE)
    assert not set(train) & set(test)
