"""The shipped model against TF-IDF + LR trained on the same reviews, on test sets of other domains.

    .venv/bin/python bench/out_of_domain.py                  # models/default
    .venv/bin/python bench/out_of_domain.py --model DIR      # another model trained as bench/train_default.py trains

Needs the bench extra (scikit-learn). TF-IDF + LR (word 1-2-grams, sublinear tf) is fitted on the
train splits models/default is trained on (bench/train_default.py's TRAIN_ON), its C (1, 10, 100)
chosen on a fixed 10 % of them and then refitted on all; never a test split. Both are scored on every
shared test set and on data/test.jsonl: the movie-review sets and our hand-written reviews are out of
the training domains, the other three in them. Prints a markdown table; nothing is asserted.
"""

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import SHARED, TFIDF_C, scores, texts_and_labels, tfidf_lr, training_reviews  # noqa: E402
from train_default import TRAIN_ON, trained_sets  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def chosen_c(texts: list[str], labels: list[int]) -> float:
    """C of the best validation accuracy, on a fixed 10 % held out of the training reviews."""
    order = list(range(len(texts)))
    random.Random(13).shuffle(order)
    held, kept = order[: len(order) // 10], order[len(order) // 10 :]

    def accuracy(c: float) -> float:
        predicted = tfidf_lr(c, [texts[i] for i in kept], [labels[i] for i in kept], [texts[i] for i in held])
        return scores([labels[i] for i in held], predicted)["accuracy"]

    return max(TFIDF_C, key=accuracy)


def model_accuracy(model: Path, test_set: Path) -> float:
    command = [str(ROOT / ".venv" / "bin" / "reviewcli"), "evaluate", str(test_set), "--model", str(model), "-f", "json"]
    result = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    return 100 * json.loads(result.stdout)["accuracy"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    args = parser.parse_args()
    started = time.perf_counter()
    texts, labels = training_reviews(TRAIN_ON)
    c = chosen_c(texts, labels)
    print(f"TF-IDF + LR: {len(texts):,} training reviews of {', '.join(TRAIN_ON)}; C={c:g} "
          f"chosen on validation ({time.perf_counter() - started:.0f} s)", file=sys.stderr)  # fmt: skip
    test_sets = sorted(p / "test.jsonl" for p in SHARED.iterdir() if (p / "test.jsonl").is_file())
    test_sets.append(ROOT / "data" / "test.jsonl")
    test_texts = {path: texts_and_labels(path) for path in test_sets}
    everything = [text for path in test_sets for text in test_texts[path][0]]
    predicted = iter(tfidf_lr(c, texts, labels, everything))  # one fit, every test set in order
    print(f"| test set | domain | n | {args.model.name} | TF-IDF + LR, same training reviews | difference |")
    print("|---|---|---:|---:|---:|---:|")
    for path in test_sets:
        gold = test_texts[path][1]
        baseline = scores(gold, [next(predicted) for _ in gold])["accuracy"]
        ours = model_accuracy(args.model, path)
        name = path.parent.name
        domain = "in (trained on)" if name in trained_sets(TRAIN_ON) else "out (not trained on)"
        print(f"| {name} | {domain} | {len(gold):,} | {ours:.1f} | {baseline:.1f} | {ours - baseline:+.1f} |", flush=True)


if __name__ == "__main__":
    main()
