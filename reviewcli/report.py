"""Evaluation results for people: a rich table of metrics and the confusion matrix on stdout."""

from reviewcli.labels import LABEL_NAMES


def print_metrics(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    auc = "n/a (one class only)" if result["roc_auc"] is None else f"{result['roc_auc']:.4f}"
    summary = Table("metric", "value", title=f"{result['n']:,} reviews")
    summary.add_row("accuracy", f"{result['accuracy']:.4f}")
    summary.add_row("macro F1", f"{result['macro_f1']:.4f}")
    summary.add_row("ROC-AUC", auc)
    console.print(summary)

    classes = Table("class", "precision", "recall", "F1", "support")
    for name, scores in result["per_class"].items():
        classes.add_row(
            name, f"{scores['precision']:.4f}", f"{scores['recall']:.4f}", f"{scores['f1']:.4f}", str(scores["support"])
        )
    console.print(classes)

    matrix = Table("true \\ predicted", *LABEL_NAMES, title="confusion matrix")
    for name, row in zip(LABEL_NAMES, result["confusion_matrix"]):
        matrix.add_row(name, *map(str, row))
    console.print(matrix)
