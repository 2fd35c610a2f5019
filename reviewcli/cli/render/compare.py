"""compare's report for people: rich tables of accuracy, costs, best configurations and pairs, and the verdict."""


def percent(value: float) -> str:
    return f"{100 * value:.1f}"


def spread_text(spread: dict) -> str:
    return f"{percent(spread['mean'])} ± {percent(spread['sd'])} ({percent(spread['min'])}–{percent(spread['max'])})"


def print_table(report: dict, stream) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=stream)
    title = f"test: {report['data']['test']:,} reviews, {seeds(report)}; accuracy by length: quartiles, shortest first"
    accuracy = Table("cell", "test accuracy", "macro-F1", "accuracy by length Q1–Q4", title=title)
    costs = Table("cell", "parameters", "size MB", "train s", "tokens/s", "peak MB", "predict/s",
                  title="costs (training: mean over seeds)")  # fmt: skip
    for cell in report["cells"]:
        lengths = " ".join(percent(group["accuracy"]) for group in cell["accuracy_by_length"])
        accuracy.add_row(cell["cell"], spread_text(cell["accuracy"]), spread_text(cell["macro_f1"]), lengths)
        costs.add_row(
            cell["cell"], f"{cell['parameters']:,}", f"{cell['size_bytes'] / 1e6:.2f}", f"{cell['train_seconds']:.1f}",
            f"{cell['tokens_per_second']:,.0f}", f"{cell['peak_memory_bytes'] / 1e6:.1f}",
            f"{cell['predict_reviews_per_second']:,.0f}",
        )  # fmt: skip
    console.print(accuracy)
    console.print(costs)
    console.print(params_table(report))
    console.print(pairs_table(report))
    console.print(f"verdict: {report['verdict']['text']}", highlight=False)
    console.print(f"test reviews: {report['data']['test_source']}", highlight=False)


def seeds(report: dict) -> str:
    count = len(report["cells"][0]["seeds"]) if report["cells"] else 0
    return "1 seed" if count == 1 else f"{count} seeds"


def params_table(report: dict):
    """One row per hyperparameter, one column per cell: narrow enough for an 80-column terminal."""
    from rich.table import Table

    cells = report["cells"]
    table = Table("", *(cell["cell"] for cell in cells), title="best configuration of each cell's search")
    trials = [report["search"]["trials"][cell["cell"]] for cell in cells]
    table.add_row("trials", *(f"{len(rows)} ({sum(t['state'] == 'pruned' for t in rows)} pruned)" for rows in trials))
    table.add_row("validation accuracy", *(percent(cell["best_validation_accuracy"]) for cell in cells))
    for name in sorted({name for cell in cells for name in cell["best_params"]}):
        table.add_row(name, *(param_text(cell["best_params"].get(name)) for cell in cells))
    return table


def param_text(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and value and abs(value) < 0.01:
        return f"{value:.2e}"
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def pairs_table(report: dict):
    from rich.table import Column, Table

    table = Table(
        Column("pair", no_wrap=True), "diff.", Column("95 % CI", no_wrap=True), Column("b/c", no_wrap=True),
        "McNemar", "boot.", "Holm", "wins", title="pairs: accuracy of the first minus the second (points); b/c: "
        "reviews only the first / only the second got right; p of McNemar, of the bootstrap, Holm-corrected",
    )  # fmt: skip
    for pair in report["pairs"]:
        low, high = pair["ci95"]
        first, second = pair["cells"]
        wins = (first if pair["difference"] > 0 else second) if pair["significant"] else "–"
        table.add_row(
            f"{first} − {second}", f"{100 * pair['difference']:+.1f}", f"{100 * low:+.1f} to {100 * high:+.1f}",
            f"{pair['mcnemar']['b']}/{pair['mcnemar']['c']}", f"{pair['mcnemar']['p']:.3g}",
            f"{pair['p_bootstrap']:.3g}", f"{pair['p_holm']:.3g}", wins,
        )  # fmt: skip
    return table
