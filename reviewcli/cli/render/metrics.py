"""evaluate's results: a rich table for people, json / jsonl, or tsv / csv rows of name and value for tools."""

import csv
import json

from reviewcli.core.labels import LABEL_NAMES


def write_metrics(result: dict, form: str, stream) -> None:
    """form: table, tsv, csv, json (indented) or jsonl (one line)."""
    if form == "table":
        print_metrics(result, stream)
    elif form in ("json", "jsonl"):
        stream.write(json.dumps(result, indent=2 if form == "json" else None) + "\n")
    else:
        write_rows(result, form, stream)


def print_metrics(result: dict, stream) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=stream)
    console.print(f"model: {result['model']}\ndata: {result['data']}", highlight=False, markup=False)
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
    for name, row in zip(LABEL_NAMES, result["confusion_matrix"]["matrix"]):
        matrix.add_row(name, *map(str, row))
    console.print(matrix)


def rows(result: dict) -> list[tuple[str, str]]:
    """(name, value) pairs of every result, in a fixed order; an undefined ROC-AUC is an empty value."""

    def number(value: float | None) -> str:
        return "" if value is None else f"{value:.4f}"

    found = [
        ("model", result["model"]), ("data", result["data"]), ("reviews", str(result["n"])),
        ("left_out_neutral", str(result["left_out"]["neutral"])),
        ("left_out_unknown_label", str(result["left_out"]["unknown_label"])),
        ("left_out_unjudgeable", str(result["left_out"].get("unjudgeable", 0))),
        ("threshold", f"{result['threshold']:g}"), ("accuracy", number(result["accuracy"])),
        ("macro_f1", number(result["macro_f1"])), ("roc_auc", number(result["roc_auc"])),
    ]  # fmt: skip
    for name, scores in result["per_class"].items():
        found += [(f"{name}.{key}", number(scores[key])) for key in ("precision", "recall", "f1")]
        found.append((f"{name}.support", str(scores["support"])))
    confusion = result["confusion_matrix"]
    for true, row in zip(confusion["labels"], confusion["matrix"]):
        found += [(f"confusion.true_{true}.predicted_{predicted}", str(count))
                  for predicted, count in zip(confusion["labels"], row)]  # fmt: skip
    return found


def write_rows(result: dict, form: str, stream) -> None:
    """tsv: `name<TAB>value` lines, no header (awk, sort, grep); csv: a `metric,value` header, then rows."""
    if form == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(("metric", "value"))
        writer.writerows(rows(result))
        return
    for name, value in rows(result):
        stream.write(f"{name}\t{' '.join(value.split())}\n")  # a tab or line break in a path would break the row
