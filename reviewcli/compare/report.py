"""compare's report as files: JSON, the trials as CSV, PNG plots (its tables are drawn by the CLI)."""

import csv
import io
import json
from pathlib import Path

from reviewcli.core.errors import OutputError
from reviewcli.io.files import write_atomic


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
