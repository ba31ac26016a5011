"""Fit a text model with scikit-learn and measure it on held-out data.

The held-out figures are measured on the exported `LinearTextModel` — the very predictor the
application will run — then the model is fitted again on all the data before it is stored.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from wangge.suggest.features import LinearTextModel, analyse

Algorithm = Literal["logreg", "svm"]


class NotEnoughData(ValueError):
    pass


@dataclass
class Fitted:
    model: LinearTextModel
    samples: int
    heldout_size: int
    accuracy: float
    top3: float | None


def dedupe(pairs: Iterable[tuple[str, str]], *, min_per_label: int) -> list[tuple[str, str]]:
    """Distinct (text, label) pairs of labels seen at least `min_per_label` times, in a stable
    order. Repeated texts would otherwise sit on both sides of the held-out split."""
    seen: dict[tuple[str, str], None] = {}
    for text, label in pairs:
        text = (text or "").strip()
        if text and label:
            seen.setdefault((text, label), None)
    counts = Counter(label for _, label in seen)
    return [(t, lab) for t, lab in seen if counts[lab] >= min_per_label]


def split(
    pairs: list[tuple[str, str]], *, heldout: float, seed: int
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Per label, a `heldout` share (at least one when a label has two or more) is held out."""
    rng = random.Random(seed)
    by_label: dict[str, list[tuple[str, str]]] = {}
    for pair in pairs:
        by_label.setdefault(pair[1], []).append(pair)
    train: list[tuple[str, str]] = []
    test: list[tuple[str, str]] = []
    for label in sorted(by_label):
        rows = by_label[label][:]
        rng.shuffle(rows)
        n = max(1, round(len(rows) * heldout)) if len(rows) >= 2 else 0
        test += rows[:n]
        train += rows[n:]
    return train, test


def fit_model(
    texts: list[str], labels: list[str], *, algorithm: Algorithm, c: float
) -> LinearTextModel:
    from sklearn.feature_extraction.text import TfidfVectorizer

    classes = sorted(set(labels))
    if len(classes) < 2:
        raise NotEnoughData("need at least two labels")
    vec = TfidfVectorizer(
        analyzer=analyse, sublinear_tf=True, min_df=2 if len(texts) >= 1000 else 1
    )
    x = vec.fit_transform(texts)
    vocabulary = {str(k): int(v) for k, v in vec.vocabulary_.items()}
    if algorithm == "logreg":
        from sklearn.linear_model import LogisticRegression

        clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
        clf.fit(x, labels)
        assert list(clf.classes_) == classes
        return LinearTextModel(
            labels=classes,
            vocabulary=vocabulary,
            idf=np.asarray(vec.idf_, dtype=np.float64),
            coef=np.asarray(clf.coef_, dtype=np.float64),
            intercept=np.asarray(clf.intercept_, dtype=np.float64),
        )
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    folds = min(3, min(Counter(labels).values()))
    if folds < 2:
        raise NotEnoughData("a calibrated SVM needs two samples of every label")
    cal = CalibratedClassifierCV(
        LinearSVC(C=c, class_weight="balanced", random_state=0),
        method="sigmoid",
        cv=folds,
        ensemble=False,
    )
    cal.fit(x, labels)
    inner = cal.calibrated_classifiers_[0]
    svm = inner.estimator
    return LinearTextModel(
        labels=classes,
        vocabulary=vocabulary,
        idf=np.asarray(vec.idf_, dtype=np.float64),
        coef=np.asarray(svm.coef_, dtype=np.float64),
        intercept=np.asarray(svm.intercept_, dtype=np.float64),
        calib_a=np.array([k.a_ for k in inner.calibrators], dtype=np.float64),
        calib_b=np.array([k.b_ for k in inner.calibrators], dtype=np.float64),
    )


def evaluate(model: LinearTextModel, pairs: list[tuple[str, str]]) -> tuple[float, float]:
    """Top-1 and top-3 accuracy of `model` on `pairs`."""
    if not pairs:
        return 0.0, 0.0
    top1 = top3 = 0
    for text, label in pairs:
        ranked = [lab for lab, _p in model.ranked(text, 3)]
        top1 += ranked[0] == label
        top3 += label in ranked
    return top1 / len(pairs), top3 / len(pairs)


def fit(
    pairs: Iterable[tuple[str, str]],
    *,
    min_samples: int,
    min_per_label: int = 2,
    heldout: float = 0.2,
    algorithm: Algorithm = "logreg",
    c: float = 10.0,
    seed: int = 20260101,
) -> Fitted:
    """Measure on a held-out share, then fit on everything. Raises NotEnoughData below
    `min_samples` distinct pairs or with fewer than two labels."""
    data = dedupe(pairs, min_per_label=min_per_label)
    if len(data) < min_samples:
        raise NotEnoughData(f"{len(data)} distinct samples, {min_samples} needed")
    train, test = split(data, heldout=heldout, seed=seed)
    trial = fit_model([t for t, _ in train], [lab for _, lab in train], algorithm=algorithm, c=c)
    top1, top3 = evaluate(trial, test)
    model = fit_model([t for t, _ in data], [lab for _, lab in data], algorithm=algorithm, c=c)
    return Fitted(
        model=model,
        samples=len(data),
        heldout_size=len(test),
        accuracy=top1,
        top3=top3 if len(model.labels) > 3 else None,
    )
