"""Validation accuracy of `reviewcli train` defaults with the learning rate scaled per part of the model.

    .venv/bin/python bench/learning_rates.py                               # every variant on cr, mr, sst2
    .venv/bin/python bench/learning_rates.py --datasets cr --variants base,frozen

For choosing how the shipped vectors and encoder are fine-tuned, on validation only (test accuracy
is printed beside it for the record). Each run is the default `reviewcli train ../shared/data/D
--seed S` with the optimizer's parameter groups replaced: the embedding, the encoder and the head
each train at the default rate times their scale, all from the first epoch (no gradual unfreezing;
`--init DIR --gradual` is that). The groups are set by wrapping stages.build_model in this process,
so everything else is the command's own path. Results go to bench/results/learning_rates.jsonl
(one line a run, appended); the table is printed. Runs one after another; nothing is asserted.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
STORE = ROOT / "bench" / "results" / "learning_rates.jsonl"
# name -> learning-rate scale of (embedding, encoder, head)
VARIANTS = {
    "base": (1, 1, 1),
    "frozen": (0, 1, 1),
    "emb0.1": (0.1, 1, 1),
    "discr": (1 / 2.6**2, 1 / 2.6, 1),  # ULMFiT's factor between layer groups, without the unfreezing
    "emb3": (3, 1, 1),
    "emb10": (10, 1, 1),
    "lr2": (2, 2, 2),
    "head5": (1, 1, 5),
}


def scaled_groups(model, scales: tuple[float, float, float]) -> list[dict]:
    embedding, head = list(model.embedding.parameters()), list(model.head.parameters())
    taken = {id(p) for p in embedding + head}
    encoder = [p for p in model.parameters() if id(p) not in taken]
    return [{"params": params, "lr_scale": scale, "from_epoch": 1}
            for params, scale in zip((embedding, encoder, head), scales)]  # fmt: skip


def one_run(dataset: str, variant: str, seed: int, out: Path) -> dict:
    """Trains in this process with the variant's groups, then evaluates on test in a subprocess."""
    from reviewcli.cli.main import app
    from reviewcli.training import stages

    build_model = stages.build_model

    def with_groups(*args, **kwargs):
        built = build_model(*args, **kwargs)
        built.groups = scaled_groups(built.model, VARIANTS[variant])
        return built

    stages.build_model = with_groups
    started = time.perf_counter()
    try:
        app(["train", str(SHARED / dataset), "--out", str(out), "--quiet", "--seed", str(seed), "--force"])
    except SystemExit as exit:
        if exit.code not in (0, None):
            raise
    finally:
        stages.build_model = build_model
    seconds = time.perf_counter() - started
    metrics = json.loads((out / "config.json").read_text(encoding="utf-8"))["metrics"]
    evaluate = [str(ROOT / ".venv" / "bin" / "reviewcli"), "evaluate", str(SHARED / dataset / "test.jsonl"), "--model", str(out), "-f", "json"]
    test = json.loads(subprocess.run(evaluate, check=True, stdout=subprocess.PIPE, text=True).stdout)
    return {"dataset": dataset, "variant": variant, "seed": seed, "seconds": round(seconds),
            "validation": 100 * metrics["validation_accuracy"], "best_epoch": metrics["best_epoch"],
            "test": 100 * test["accuracy"]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default="cr,mr,sst2")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "results" / "learning_rates")
    args = parser.parse_args()
    rows = []
    STORE.parent.mkdir(parents=True, exist_ok=True)
    for dataset in args.datasets.split(","):
        for variant in args.variants.split(","):
            print(f"{dataset}: {variant} {VARIANTS[variant]}, seed {args.seed}", file=sys.stderr, flush=True)
            row = one_run(dataset, variant, args.seed, args.work / f"{dataset}-{variant}-{args.seed}")
            with open(STORE, "a", encoding="utf-8") as file:
                file.write(json.dumps(row) + "\n")
            rows.append(row)
    print("| dataset | variant | scale of embedding / encoder / head | validation | test | best epoch | train s |")
    print("|---|---|---|---:|---:|---:|---:|")
    for row in rows:
        scales = " / ".join(f"{s:.3g}" for s in VARIANTS[row["variant"]])
        print(f"| {row['dataset']} | {row['variant']} | {scales} | {row['validation']:.1f} | {row['test']:.1f} | "
              f"{row['best_epoch']} | {row['seconds']} |")  # fmt: skip


if __name__ == "__main__":
    main()
