"""compare's report for people and programs: rich tables, JSON, the trials as CSV, PNG plots."""

import csv
import io
import json
from pathlib import Path

from reviewcli.core.errors import OutputError
from reviewcli.io.files import write_atomic


def percent(value: float) -> str:
    return f"{100 * value:.1f}"


def spread_text(spread: dict) -> str:
    return f"{percent(spread['mean'])} ± {percent(spread['sd'])} ({percent(spread['min'])}–{percent(spread['max'])})"


def print_table(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
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


def to_json(report: dict) -> str:
    return json.dumps(report, indent=2)


def trials_csv(report: dict) -> str:
    """One row per trial: cell, number, state, value, seconds, every parameter, then validation
    accuracy and loss of each epoch (empty after a pruned trial's last epoch)."""
    trials = [(cell, t) for cell, rows in report["search"]["trials"].items() for t in rows]
    names = sorted({name for _, t in trials for name in t["params"]})
    epochs = report["search"]["epochs"]
    header = ["cell", "trial", "state", "value", "seconds", *names]
    header += [f"{what}_{e}" for e in range(1, epochs + 1) for what in ("val_accuracy", "val_loss")]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    for cell, trial in trials:
        by_epoch = {h["epoch"]: h for h in trial["history"]}
        row = [cell, trial["number"], trial["state"], trial["value"], trial["seconds"]]
        row += [trial["params"].get(name, "") for name in names]
        for e in range(1, epochs + 1):
            h = by_epoch.get(e, {})
            row += [h.get("val_accuracy", ""), h.get("val_loss", "")]
        writer.writerow(row)
    return text.getvalue()


def write_out(report: dict, out: Path) -> None:
    """--out: trials.csv and compare.json beside each cell's model directory."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "trials.csv", trials_csv(report).encode())
    write_atomic(out / "compare.json", (to_json(report) + "\n").encode())


def write_plots(report: dict, folder: Path) -> list[Path]:
    """--plot: accuracy by review length, validation curves of every trial, accuracy against
    training time, as PNGs. matplotlib is imported here only (the `plot` extra)."""
    try:
        import matplotlib
    except ImportError:
        raise OutputError("--plot needs matplotlib: pip install 'reviewcli[plot]'.") from None
    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in (("accuracy_by_length", plot_lengths), ("validation_curves", plot_curves),
                       ("accuracy_vs_time", plot_time)):  # fmt: skip
        figure = draw(plt, report)
        png = io.BytesIO()
        figure.savefig(png, format="png", dpi=120, bbox_inches="tight")
        plt.close(figure)
        write_atomic(folder / f"{name}.png", png.getvalue())
        written.append(folder / f"{name}.png")
    return written


def plot_lengths(plt, report: dict):
    figure, axes = plt.subplots(figsize=(6, 4))
    for cell in report["cells"]:
        groups = cell["accuracy_by_length"]
        labels = [f"Q{g['quartile']}\n{g['tokens'][0]}–{g['tokens'][1]}" for g in groups]
        axes.plot(labels, [100 * g["accuracy"] for g in groups], marker="o", label=cell["cell"])
    axes.set(xlabel="review length (tokens), quartiles of the test reviews", ylabel="test accuracy (%)",
             title="accuracy by review length")  # fmt: skip
    axes.legend()
    return figure


def plot_curves(plt, report: dict):
    trials = report["search"]["trials"]
    figure, all_axes = plt.subplots(1, len(trials), figsize=(4 * len(trials), 3.5), sharey=True, squeeze=False)
    for axes, (cell, rows) in zip(all_axes[0], trials.items()):
        for trial in rows:
            epochs = [h["epoch"] for h in trial["history"]]
            values = [100 * h["val_accuracy"] for h in trial["history"]]
            axes.plot(epochs, values, linestyle="--" if trial["state"] == "pruned" else "-", alpha=0.7)
        axes.set(title=f"{cell} (dashed: pruned)", xlabel="epoch")
    all_axes[0][0].set_ylabel("validation accuracy (%)")
    return figure


def plot_time(plt, report: dict):
    figure, axes = plt.subplots(figsize=(6, 4))
    for cell in report["cells"]:
        seeds = cell["seeds"]
        axes.scatter([s["train_seconds"] for s in seeds], [100 * s["accuracy"] for s in seeds], label=cell["cell"])
    axes.set(xlabel="training time (s, training steps only)", ylabel="test accuracy (%)",
             title="accuracy against training time, one point per seed")  # fmt: skip
    axes.legend()
    return figure
