"""`reviewcli check`'s suite on a model and on TF-IDF + LR and fastText trained on the same reviews.

    .venv/bin/python bench/check_baselines.py                      # models/default, bench/train_default.py's TRAIN_ON
    .venv/bin/python bench/check_baselines.py --model DIR --train amazon-multidomain/train.jsonl cr/train.jsonl

--train names training files under ../shared/data (default: what bench/train_default.py trains
the shipped model on); give the files the model was trained on, so the three read the same reviews.
Needs the bench extra (scikit-learn, fastText). TF-IDF + LR (word 1-2-grams, sublinear tf) gets its
C, and fastText (bigrams) its epochs, chosen on a fixed 10 % of the training reviews, then refitted
on all of them, as bench/accuracy.py does. Every system is scored on the same sentences of the
suite (reviewcli.check, built from our templates; none of it is ever trained on) at threshold 0.5.
Prints a markdown table: failure rate per capability and overall, and per test; nothing asserted.
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from accuracy import FASTTEXT_EPOCHS, TFIDF_C, fasttext_line, training_reviews  # noqa: E402
from train_default import TRAIN_ON  # noqa: E402

from reviewcli.check import suite  # noqa: E402
from reviewcli.check.templates import CAPABILITIES  # noqa: E402


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def held_out(count: int) -> tuple[list[int], list[int]]:
    """(validation, training) indices: a fixed 10 %."""
    order = list(range(count))
    random.Random(13).shuffle(order)
    return order[: count // 10], order[count // 10 :]


def tfidf_lr(c: float, texts: list[str], labels: list[int]):
    """A fitted TF-IDF + LR: sentences -> P(positive)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    classifier = LogisticRegression(C=c, max_iter=2000).fit(vectorizer.fit_transform(texts), labels)
    return lambda sentences: classifier.predict_proba(vectorizer.transform(sentences))[:, 1].tolist()


def fasttext_model(epochs: int, texts: list[str], labels: list[int], workdir: Path):
    """A fitted fastText (bigrams): sentences -> P(positive)."""
    import fasttext

    train_file = workdir / "fasttext-train.txt"
    train_file.write_text("".join(f"__label__{y} {fasttext_line(t)}\n" for t, y in zip(texts, labels)), encoding="utf-8")
    model = fasttext.train_supervised(str(train_file), wordNgrams=2, epoch=epochs, seed=13, thread=1, verbose=0)

    def predict(sentences: list[str]) -> list[float]:
        found, probabilities = model.predict([fasttext_line(s) for s in sentences], k=2)
        return [dict(zip(names, ps)).get("__label__1", 0.0) for names, ps in zip(found, probabilities)]

    return predict


def chosen(choices: tuple, fit, texts: list[str], labels: list[int]):
    """The choice whose model is most accurate on the held-out 10 %, then fitted on everything."""
    held, kept = held_out(len(texts))

    def accuracy(choice) -> float:
        predict = fit(choice, [texts[i] for i in kept], [labels[i] for i in kept])
        found = predict([texts[i] for i in held])
        return sum((p >= 0.5) == bool(labels[i]) for p, i in zip(found, held)) / len(held)

    best = max(choices, key=accuracy)
    return best, fit(best, texts, labels)


def model_predict(model: Path):
    from reviewcli.inference.predictor import load_predictor

    return load_predictor(model, "cpu", "fp32").predict  # what `reviewcli check` scores with


def percent(rate: float) -> str:
    return f"{100 * rate:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--train", nargs="+", default=list(TRAIN_ON), help="training files under ../shared/data")
    args = parser.parse_args()
    started = time.perf_counter()
    texts, labels = training_reviews(args.train)
    log(f"{len(texts):,} training examples of {', '.join(args.train)}")
    tests = suite.build()
    results = {args.model.name: suite.run(tests, model_predict(args.model))}
    log("TF-IDF + LR: choosing C")
    c, predict = chosen(TFIDF_C, tfidf_lr, texts, labels)
    results[f"TF-IDF + LR (C={c:g})"] = suite.run(tests, predict)
    with tempfile.TemporaryDirectory(prefix="reviewcli-check-") as workdir:
        log("fastText: choosing epochs")
        epochs, predict = chosen(FASTTEXT_EPOCHS, lambda e, t, y: fasttext_model(e, t, y, Path(workdir)), texts, labels)
        results[f"fastText ({epochs} epochs)"] = suite.run(tests, predict)
    names = list(results)
    print(f"Failure rates (%) of `reviewcli check`'s {results[names[0]]['sentences']:,} sentences; the three "
          f"trained on {len(texts):,} examples of {', '.join(args.train)} ({time.perf_counter() - started:.0f} s).\n")
    print("| capability | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for capability in CAPABILITIES:
        print(f"| {capability} | " + " | ".join(percent(results[n]["capabilities"][capability]) for n in names) + " |")
    print("| **all tests** | " + " | ".join(f"**{percent(results[n]['failure_rate'])}**" for n in names) + " |")
    print("\n| test | n | " + " | ".join(names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    for i, row in enumerate(results[names[0]]["tests"]):
        cells = " | ".join(percent(results[n]["tests"][i]["failure_rate"]) for n in names)
        print(f"| {row['capability']}: {row['test']} | {row['n']:,} | {cells} |")


if __name__ == "__main__":
    main()
