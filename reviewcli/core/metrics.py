"""Classification metrics from labels (1/0) and probabilities of positive; pure Python."""

import math

from reviewcli.core.labels import LABEL_NAMES


def accuracy(labels: list[int], probabilities: list[float], threshold: float = 0.5) -> float:
    return sum((p >= threshold) == bool(y) for y, p in zip(labels, probabilities)) / max(1, len(labels))


def log_loss(labels: list[int], probabilities: list[float]) -> float:
    eps = 1e-7
    total = sum(-math.log(max(eps, p if y else 1 - p)) for y, p in zip(labels, probabilities))
    return total / max(1, len(labels))


def confusion_matrix(labels: list[int], predicted: list[int]) -> list[list[int]]:
    """matrix[true][predicted], classes in LABEL_NAMES order (negative, positive)."""
    matrix = [[0, 0], [0, 0]]
    for y, p in zip(labels, predicted):
        matrix[y][p] += 1
    return matrix


def per_class(matrix: list[list[int]]) -> dict[str, dict]:
    """Precision, recall, F1 and support of each class from the confusion matrix."""
    scores = {}
    for c, name in enumerate(LABEL_NAMES):
        true_positive = matrix[c][c]
        predicted = matrix[0][c] + matrix[1][c]
        support = sum(matrix[c])
        precision = true_positive / predicted if predicted else 0.0
        recall = true_positive / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[name] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    return scores


def roc_auc(labels: list[int], probabilities: list[float]) -> float | None:
    """Probability that a random positive scores above a random negative (ties count half).
    None when one class is missing, as AUC is undefined then."""
    ranked = sorted(zip(probabilities, labels))
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return None
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        average_rank = (i + 1 + j) / 2  # 1-based ranks i+1..j share their mean
        rank_sum += average_rank * sum(y for _, y in ranked[i:j])
        i = j
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def evaluate(labels: list[int], probabilities: list[float], threshold: float = 0.5) -> dict:
    """All metrics `reviewcli evaluate` reports, as plain JSON-ready data."""
    predicted = [int(p >= threshold) for p in probabilities]
    matrix = confusion_matrix(labels, predicted)
    classes = per_class(matrix)
    return {
        "accuracy": accuracy(labels, probabilities, threshold),
        "macro_f1": sum(c["f1"] for c in classes.values()) / len(classes),
        "roc_auc": roc_auc(labels, probabilities),
        "per_class": classes,
        # rows are the true class, columns the predicted one, both in `labels` order
        "confusion_matrix": {"rows": "true", "columns": "predicted", "labels": list(LABEL_NAMES), "matrix": matrix},
        "n": len(labels),
        "threshold": threshold,
    }
