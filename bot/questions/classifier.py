"""A linear classifier over the matcher's character n-gram features, learned from the faq/ examples.

Nearest examples and topic centroids weigh every shared n-gram by how rare it is among all texts; a classifier
learns instead which n-grams tell one topic from the others ("جواز"/"паспорт" for passport-taken, "باوک"/"муж"
for family-help) and which are shared by all (Russia, contract, work). Multinomial logistic regression
(softmax) over TF-IDF vectors, one per language and view, the background of everyday questions being one class
(so out-of-scope words pull probability away from every topic). Fitted by full-batch gradient descent from
zeros with a fixed number of steps: deterministic, a few seconds per language, and cached with the compiled
matcher (bot/engine.py), so a warm start pays nothing. Only n-grams seen in two examples or more are kept
(rarer ones are what the nearest-example evidence is for), which keeps the weights small (tens of KB).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

import numpy as np

STEPS = 200
LEARNING_RATE = 2.0
L2 = 1e-4
MIN_DF = 2


class TopicClassifier:
    def __init__(self, texts: list[str], labels: list[str], featurize: Callable[[str], Counter[str]]):
        counted = [featurize(t) for t in texts]
        df: Counter[str] = Counter()
        for grams in counted:
            df.update(grams.keys())
        kept = sorted(g for g, c in df.items() if c >= MIN_DF)
        self.vocab = {g: i for i, g in enumerate(kept)}
        n = len(texts)
        self.idf = np.array([math.log((n + 1) / (df[g] + 1)) + 1.0 for g in kept], dtype=np.float32)
        self.classes = sorted(set(labels))
        number = {c: i for i, c in enumerate(self.classes)}
        x = np.zeros((n, len(kept)), dtype=np.float32)
        for row, grams in enumerate(counted):
            for g, c in grams.items():
                j = self.vocab.get(g)
                if j is not None:
                    x[row, j] = (1.0 + math.log(c)) * self.idf[j]
        x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)
        y = np.zeros((n, len(self.classes)), dtype=np.float32)
        y[np.arange(n), [number[label] for label in labels]] = 1.0
        w = np.zeros((len(kept), len(self.classes)), dtype=np.float32)
        b = np.zeros(len(self.classes), dtype=np.float32)
        for _ in range(STEPS):
            p = _softmax(x @ w + b)
            grad = (p - y) / n
            w -= LEARNING_RATE * (x.T @ grad + L2 * w)
            b -= LEARNING_RATE * grad.sum(axis=0)
        self.weights, self.bias = w, b

    def probabilities(self, grams: Counter[str]) -> dict[str, float]:
        """P(topic | text) for every class (the background included); {} when no known feature is present."""
        ids, values = [], []
        for g, c in grams.items():
            j = self.vocab.get(g)
            if j is not None:
                ids.append(j)
                values.append((1.0 + math.log(c)) * float(self.idf[j]))
        if not ids:
            return {}
        v = np.array(values, dtype=np.float32)
        v /= max(float(np.linalg.norm(v)), 1e-9)
        p = _softmax((v @ self.weights[ids] + self.bias)[None, :])[0]
        return dict(zip(self.classes, p.tolist(), strict=True))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
