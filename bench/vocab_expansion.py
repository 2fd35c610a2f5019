"""Vocabulary expansion, measured on validation: does a trained model do better when the words its
vocabulary lacks, but the shipped vectors know, are read through the vectors instead of as <unk>?

    .venv/bin/python bench/vocab_expansion.py --datasets cr,mr,sst2 --seeds 13,14

`reviewcli train` builds its vocabulary from the training split (min_freq 2): on the test splits of
cr, mr and sst2, 6-8% of tokens fall outside it, nearly all of them known to the shipped vectors.
Each run trains `reviewcli train ../shared/data/D --seed S` (defaults) into a temporary folder, then
scores the same validation split as train does (held-out 10% of train.jsonl, or sst2's dev.jsonl)
with each way of giving such a word a vector:

- unk: as the model is (the <unk> row);
- table: the word's row of the shipped vectors, as it was before fine-tuning;
- map: a linear map of the word's shipped row, fitted by ridge regression (towards the identity,
  with strength LAMBDA) from the shipped rows of the vocabulary's words to their fine-tuned
  embedding rows (Kiros et al. 2015, "vocabulary expansion").

Prints one JSON line per run and mean validation accuracy per way; nothing is asserted and no test
split is read.
"""

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
LAMBDAS = (0.1, 1.0, 10.0)


def train(dataset: str, seed: int, out: Path, options: list[str]) -> None:
    command = [sys.executable, "-m", "reviewcli", "train", str(SHARED / dataset), "--seed", str(seed),
               *options, "--out", str(out), "--quiet"]  # fmt: skip
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def fitted_map(table, vocab, embedding, strength: float):
    """(D, D) W minimising |X W - Y|^2 + strength |W - I|^2 over the vocabulary's words the table
    knows: X their shipped rows, Y their fine-tuned rows."""
    import torch

    words = [(i, table.rows[t]) for i, t in enumerate(vocab.tokens) if i > 1 and t in table.rows]
    x = table.vectors[torch.tensor([r for _, r in words])].double()
    y = embedding[torch.tensor([i for i, _ in words])].double()
    eye = torch.eye(x.shape[1], dtype=torch.float64)
    w = torch.linalg.solve(x.t() @ x + strength * eye, x.t() @ y + strength * eye)
    return w.float()


def accuracy(model, vocab, texts, labels, extra_rows=None, extra_words=()):
    """Validation accuracy with extra_words appended to the vocabulary, their rows extra_rows."""
    import torch

    from reviewcli.core.text import tokenize
    from reviewcli.core.vocab import Vocabulary
    from reviewcli.inference.batching import encode_tokens
    from reviewcli.inference.predictor import score

    weight = model.embedding.weight.detach()
    if extra_words:
        vocab = Vocabulary(vocab.tokens + list(extra_words))
        weight = torch.cat([weight, extra_rows])
    bigger = type(model)(type(model.config)(**{**model.config.to_dict(), "vocab_size": len(vocab)}))
    state = {**model.state_dict(), "embedding.weight": weight}
    bigger.load_state_dict(state)
    encoded = [encode_tokens(tokenize(text), vocab, 400) for text in texts]
    probabilities = score(bigger, encoded, batch_size=64, device=torch.device("cpu"))
    return sum((p > 0.5) == (y == 1) for p, y in zip(probabilities, labels)) / len(labels)


def measure(dataset: str, seed: int, model_dir: Path) -> dict:
    import torch

    from reviewcli.core.config import TrainConfig
    from reviewcli.core.text import tokenize
    from reviewcli.io.data import Columns, training_data
    from reviewcli.store import artifacts, wordtable

    model, vocab, config = artifacts.load(model_dir)
    train_config = TrainConfig.from_dict(config["train"])
    _, validation = training_data([str(SHARED / dataset)], Columns(), val_fraction=train_config.val_fraction,
                                  seed=train_config.seed)  # fmt: skip
    table = wordtable.load()
    unseen = sorted({t for text in validation.texts for t in tokenize(text) if t not in vocab.index and t in table.rows})
    shipped_rows = table.vectors[torch.tensor([table.rows[t] for t in unseen])] if unseen else None
    row = {"dataset": dataset, "seed": seed, "recorded": config["metrics"]["validation_accuracy"],
           "unseen_words": len(unseen),
           "unk": accuracy(model, vocab, validation.texts, validation.labels),
           "table": accuracy(model, vocab, validation.texts, validation.labels, shipped_rows, unseen)}  # fmt: skip
    embedding = model.embedding.weight.detach()
    for strength in LAMBDAS:
        w = fitted_map(table, vocab, embedding, strength)
        rows = shipped_rows @ w if unseen else None
        row[f"map{strength:g}"] = accuracy(model, vocab, validation.texts, validation.labels, rows, unseen)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default="cr,mr,sst2")
    parser.add_argument("--seeds", default="13,14")
    parser.add_argument("--options", default="", help="extra train options, one shell-quoted string")
    parser.add_argument("--keep", type=Path, help="keep the trained models in this folder (D-S), and reuse them")
    args = parser.parse_args()
    rows = []
    print(f"options: {args.options or 'defaults'}", flush=True)
    for dataset in args.datasets.split(","):
        for seed in map(int, args.seeds.split(",")):
            with tempfile.TemporaryDirectory() as folder:
                tag = "".join(c for c in args.options if c.isalnum() or c in "-.")
                out = (args.keep or Path(folder)) / f"{dataset}-{seed}{tag}"
                if not (out / "config.json").exists():
                    train(dataset, seed, out, shlex.split(args.options))
                rows.append(measure(dataset, seed, out))
            print(json.dumps(rows[-1]), flush=True)
    ways = [k for k in rows[0] if k in ("unk", "table") or k.startswith("map")]
    print("| dataset | " + " | ".join(ways) + " |\n|---|" + "---:|" * len(ways))
    for dataset in args.datasets.split(","):
        mine = [r for r in rows if r["dataset"] == dataset]
        print(f"| {dataset} | " + " | ".join(f"{100 * sum(r[w] for r in mine) / len(mine):.2f}" for w in ways) + " |")


if __name__ == "__main__":
    main()
