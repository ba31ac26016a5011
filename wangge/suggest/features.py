"""Text features and the linear model that scores them, without scikit-learn at prediction time.

Features are jieba words and character bigrams of the text with digits folded to "0" (so
"16号楼" and "3号楼" read alike): words carry meaning, bigrams survive words jieba splits
differently ("玻璃渣儿"). Weights are tf-idf with sublinear tf and l2 norm — exactly what
scikit-learn's `TfidfVectorizer(sublinear_tf=True)` computes in training — and the scores are a
linear model's: softmax (logistic regression) or per-label sigmoid calibration (linear SVM).

The model travels as a NumPy `.npz` archive of plain arrays loaded with `allow_pickle=False`.
"""

from __future__ import annotations

import io
import math
import re
import threading
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass

import jieba
import numpy as np

FORMAT = 1
MAX_CHARS = 2000
_DIGITS = re.compile(r"\d+")
_NON_WORD = re.compile(r"[\W_]+")
_dictionary_lock = threading.Lock()
_dictionary_ready = False


def ensure_dictionary() -> None:
    """Teach jieba the category keywords and the detector's words, once per process.

    jieba's dictionary is process-global and changes tokenisation, so training and prediction
    both call this first: a word list that differs between them would shift the features.
    """
    global _dictionary_ready
    if _dictionary_ready:
        return
    with _dictionary_lock:
        if _dictionary_ready:
            return
        from wangge.cases.categories import MINORS
        from wangge.chat.detector import init_dictionary

        init_dictionary()
        for row in MINORS:
            for word in row[9].split():
                jieba.add_word(word, freq=200000)
        _dictionary_ready = True


def analyse(text: str) -> list[str]:
    """The features of one text: `w:` jieba words and `c:` character bigrams."""
    ensure_dictionary()
    norm = _DIGITS.sub("0", unicodedata.normalize("NFKC", text or "")[:MAX_CHARS]).lower()
    feats = ["w:" + w for w in jieba.lcut(norm) if w.strip() and not _NON_WORD.fullmatch(w)]
    for piece in _NON_WORD.sub(" ", norm).split():
        feats.extend("c:" + piece[i : i + 2] for i in range(len(piece) - 1))
    return feats


@dataclass
class LinearTextModel:
    """A fitted tf-idf + linear model. `labels[i]` goes with row i of `coef` (one row only for
    two labels: the score of `labels[1]`). `calib_a`/`calib_b` are set for a calibrated SVM."""

    labels: list[str]
    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    calib_a: np.ndarray | None = None
    calib_b: np.ndarray | None = None
    version: int = 0

    def _vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(i for f in analyse(text) if (i := self.vocabulary.get(f)) is not None)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), float, len(counts))
        w = tf * self.idf[idx]
        return idx, w / np.linalg.norm(w)

    def probabilities(self, text: str) -> np.ndarray:
        idx, w = self._vector(text)
        scores = self.coef[:, idx] @ w + self.intercept
        if self.calib_a is not None and self.calib_b is not None:
            p = 1.0 / (1.0 + np.exp(self.calib_a * scores + self.calib_b))
            if len(self.labels) == 2:
                return np.array([1.0 - p[0], p[0]])
            total = p.sum()
            return p / total if total > 0 else np.full(len(p), 1.0 / len(p))
        if len(self.labels) == 2:
            p1 = 1.0 / (1.0 + math.exp(-float(scores[0])))
            return np.array([1.0 - p1, p1])
        e = np.exp(scores - scores.max())
        return e / e.sum()

    def ranked(self, text: str, limit: int | None = None) -> list[tuple[str, float]]:
        """(label, probability), most probable first."""
        p = self.probabilities(text)
        order = np.argsort(-p, kind="stable")[: limit or len(p)]
        return [(self.labels[i], float(p[i])) for i in order]

    def probability(self, text: str, label: str) -> float:
        return float(self.probabilities(text)[self.labels.index(label)])

    def to_bytes(self) -> bytes:
        vocab = [""] * len(self.vocabulary)
        for feature, i in self.vocabulary.items():
            vocab[i] = feature
        arrays: dict[str, np.ndarray] = {
            "format": np.array([FORMAT]),
            "labels": np.array(self.labels, dtype=str),
            "vocabulary": np.array(vocab, dtype=str),
            "idf": self.idf.astype(np.float64),
            "coef": self.coef.astype(np.float32),
            "intercept": self.intercept.astype(np.float64),
        }
        if self.calib_a is not None and self.calib_b is not None:
            arrays["calib_a"] = self.calib_a.astype(np.float64)
            arrays["calib_b"] = self.calib_b.astype(np.float64)
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, *, version: int = 0) -> LinearTextModel:
        """Read a stored model. Plain arrays only (`allow_pickle=False`): bytes that are not a
        model raise ValueError, they never execute anything."""
        try:
            with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as z:
                if int(z["format"][0]) != FORMAT:
                    raise ValueError(f"unknown model format {int(z['format'][0])}")
                labels = [str(x) for x in z["labels"]]
                vocab = [str(x) for x in z["vocabulary"]]
                model = cls(
                    labels=labels,
                    vocabulary={f: i for i, f in enumerate(vocab)},
                    idf=z["idf"],
                    coef=z["coef"].astype(np.float64),
                    intercept=z["intercept"],
                    calib_a=z["calib_a"] if "calib_a" in z.files else None,
                    calib_b=z["calib_b"] if "calib_b" in z.files else None,
                    version=version,
                )
        except (KeyError, OSError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"not a text model: {exc}") from exc
        rows = 1 if len(labels) == 2 else len(labels)
        if model.coef.shape != (rows, len(vocab)) or model.idf.shape != (len(vocab),):
            raise ValueError("text model arrays do not fit together")
        return model
