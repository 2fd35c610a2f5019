"""reviewcli.core.metrics against small examples worked by hand."""

import pytest

from reviewcli.core.metrics import accuracy, confusion_matrix, evaluate, log_loss, per_class, roc_auc

# true labels and probabilities: predictions at 0.5 are   1, 1, 0 | 0, 0, 1, 0
LABELS = [1, 1, 1, 0, 0, 0, 0]
PROBS = [0.9, 0.6, 0.2, 0.1, 0.4, 0.7, 0.3]


def test_confusion_matrix_rows_true_columns_predicted():
    predicted = [int(p >= 0.5) for p in PROBS]
    assert confusion_matrix(LABELS, predicted) == [[3, 1], [1, 2]]


def test_per_class_precision_recall_f1():
    scores = per_class([[3, 1], [1, 2]])
    assert scores["positive"]["precision"] == pytest.approx(2 / 3)
    assert scores["positive"]["recall"] == pytest.approx(2 / 3)
    assert scores["positive"]["f1"] == pytest.approx(2 / 3)
    assert scores["negative"]["precision"] == pytest.approx(3 / 4)
    assert scores["negative"]["recall"] == pytest.approx(3 / 4)
    assert scores["negative"]["f1"] == pytest.approx(3 / 4)
    assert (scores["negative"]["support"], scores["positive"]["support"]) == (4, 3)


def test_per_class_with_a_class_never_predicted_is_zero_not_an_error():
    scores = per_class([[2, 0], [3, 0]])
    assert scores["positive"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 3}
    assert scores["negative"]["precision"] == pytest.approx(2 / 5)
    assert scores["negative"]["recall"] == 1.0


def test_evaluate_accuracy_and_macro_f1():
    result = evaluate(LABELS, PROBS)
    assert result["accuracy"] == pytest.approx(5 / 7)
    assert result["macro_f1"] == pytest.approx((2 / 3 + 3 / 4) / 2)
    assert result["confusion_matrix"] == {
        "rows": "true", "columns": "predicted", "labels": ["negative", "positive"], "matrix": [[3, 1], [1, 2]]
    }  # fmt: skip
    assert result["n"] == 7
    assert set(result) >= {"accuracy", "macro_f1", "roc_auc", "per_class", "confusion_matrix", "n"}


def test_threshold_is_inclusive():
    assert accuracy([1, 0], [0.5, 0.49]) == 1.0
    assert evaluate([1, 0], [0.7, 0.6], threshold=0.65)["confusion_matrix"]["matrix"] == [[1, 0], [0, 1]]


def test_roc_auc_with_ties_by_hand():
    # positives 0.4, 0.8, 0.9 vs negatives 0.1, 0.4, 0.8:
    # 0.4 -> 1 + 0.5 tie; 0.8 -> 2 + 0.5 tie; 0.9 -> 3; total 7 of 9 pairs
    labels = [0, 0, 1, 1, 0, 1]
    probs = [0.1, 0.4, 0.4, 0.8, 0.8, 0.9]
    assert roc_auc(labels, probs) == pytest.approx(7 / 9)


def test_roc_auc_extremes_and_all_tied():
    assert roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert roc_auc([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]) == 0.0
    assert roc_auc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5]) == pytest.approx(0.5)


@pytest.mark.parametrize("labels", [[1, 1, 1], [0, 0]])
def test_roc_auc_none_with_one_class(labels):
    assert roc_auc(labels, [0.3] * len(labels)) is None
    assert evaluate(labels, [0.3] * len(labels))["roc_auc"] is None


def test_log_loss_by_hand():
    import math

    assert log_loss([1, 0], [0.8, 0.4]) == pytest.approx(-(math.log(0.8) + math.log(0.6)) / 2)
    assert log_loss([1], [0.0]) == pytest.approx(-math.log(1e-7))  # clipped, not infinite
