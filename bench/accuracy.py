"""Test accuracy of reviewcli against classic baselines on every review dataset, in one run.

    .venv/bin/python bench/accuracy.py                      # everything: hours on 2 cores (IMDB most)
    .venv/bin/python bench/accuracy.py --datasets cr,mr     # some datasets
    .venv/bin/python bench/accuracy.py --quick              # 1 seed, train ≤ 4,000 and test ≤ 2,000 reviews
    .venv/bin/python bench/accuracy.py --table-only         # the table of what is stored, running nothing
    .venv/bin/python bench/accuracy.py --table-only --sources d12a13fab536   # ... of earlier sources
    .venv/bin/python bench/accuracy.py --datasets imdb --systems reviewcli --only-seed 14  # one run of one seed

Needs the bench extra: `.venv/bin/pip install -e ".[bench]"` (scikit-learn, fasttext-numpy2, vaderSentiment).
Reads every folder of ../shared/data with train.jsonl and test.jsonl. Validation, wherever a system
uses one, is dev.jsonl if the folder has it, else held out of train; never the test split.

Systems, each trained on the folder's train split and scored on its test split:
- reviewcli: `reviewcli train FOLDER --seed S --quiet`, no other flag: the shipped word vectors and
  pretrained encoder, default settings (no per-dataset tuning), then `reviewcli evaluate
  FOLDER/test.jsonl`; seeds 13, 14, 15.
- reviewcli --from-scratch: the same with `--from-scratch` (random embedding and encoder), the
  path every model took before the shipped knowledge, to show what it gains.
  Each reviewcli model also runs `reviewcli check` (the behavioural suite) before it is deleted:
  its failure rate is stored beside the accuracy and shown in a table of its own.
- TF-IDF + LR: scikit-learn TfidfVectorizer(word 1-2-grams, sublinear tf) + LogisticRegression,
  C of 1, 10, 100 chosen on validation, then refitted on all of train; deterministic, so one run.
- fastText: train_supervised(wordNgrams=2, lr 0.1) on lower-cased text, 5, 25 or 50 epochs chosen on
  validation, then refitted on all of train; seeds 13, 14, 15 (thread=1, so a seed gives one model).
  Baselines get their main knob tuned so that beating them means something; the defaults (C=1,
  5 epochs) are far weaker on small sets (fastText on amazon-multidomain: 65.7 against 83).
- VADER: the lexicon's compound score ≥ 0 means positive; no training.
Published rows (Kim 2014) are printed for context, not measured.

Each result is stored in bench/results/accuracy.jsonl under the dataset, system, seed, mode and,
for reviewcli, a hash of the reviewcli/ sources: an interrupted run resumes, runs with --datasets
add up, and a code change re-runs only reviewcli. The store and its table are committed (the rest of
bench/results is not), so a fresh checkout shows README's table with --table-only. A reviewcli run itself trains in
bench/results/runs/HASH/ and, stopped (Ctrl-C, a signal, a logout), goes on from its
last checkpoint with `train --resume` the next time the same command runs. The table (stdout and
bench/results/accuracy.md) shows the stored results of the current code for every dataset.
Nothing is asserted.
"""

import argparse
import ast
import hashlib
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results"
STORE = RESULTS / "accuracy.jsonl"
RUNS = RESULTS / "runs"  # reviewcli's full runs train here, under the sources hash, and resume after an interruption
SEEDS = (13, 14, 15)
TFIDF_C = (1.0, 10.0, 100.0)  # chosen per dataset on validation
FASTTEXT_EPOCHS = (5, 25, 50)  # chosen per dataset on validation
QUICK_TRAIN, QUICK_TEST = 4_000, 2_000
SYSTEMS = ("reviewcli", "reviewcli-from-scratch", "tfidf-lr", "fasttext", "vader")
OPTIONS = {"reviewcli": [], "reviewcli-from-scratch": ["--from-scratch"]}
NAMES = {
    "reviewcli": "reviewcli (default: shipped vectors and encoder)",
    "reviewcli-from-scratch": "reviewcli `--from-scratch`",
    "tfidf-lr": "TF-IDF + LR",
    "fasttext": "fastText (bigrams)",
    "vader": "VADER (lexicon)",
}
ORDER = ("amazon-multidomain", "fdu-mtl-amazon", "imdb", "cr", "mr", "sst2")
# Kim 2014, "Convolutional Neural Networks for Sentence Classification", Table 2 (10-fold CV for CR/MR).
PUBLISHED = {
    "Kim 2014 CNN-rand (published)": {"cr": 79.8, "mr": 76.1, "sst2": 82.7},
    "Kim 2014 CNN-multichannel, word2vec (published)": {"cr": 85.0, "mr": 81.1, "sst2": 88.1},
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- data ---------------------------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict]:
    """Records of a .jsonl file, gzip-compressed (.jsonl.gz) or not."""
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


def dataset_folders(names: list[str] | None) -> list[Path]:
    found = sorted(p for p in SHARED.iterdir() if (p / "train.jsonl").exists() and (p / "test.jsonl").exists())
    if names:
        unknown = set(names) - {p.name for p in found}
        if unknown:
            raise SystemExit(f"unknown dataset(s): {', '.join(sorted(unknown))}; have {', '.join(p.name for p in found)}")
        found = [p for p in found if p.name in names]
    return sorted(found, key=lambda p: ORDER.index(p.name) if p.name in ORDER else len(ORDER))


def capped_copy(folder: Path, workdir: Path) -> Path:
    """--quick: the folder with train (and dev) cut to QUICK_TRAIN and test to QUICK_TEST reviews,
    a fixed random sample each."""
    out = workdir / folder.name
    out.mkdir()
    for split, cap in (("train", QUICK_TRAIN), ("dev", QUICK_TRAIN), ("test", QUICK_TEST)):
        if (folder / f"{split}.jsonl").exists():
            records = read_jsonl(folder / f"{split}.jsonl")
            random.Random(13).shuffle(records)
            lines = [json.dumps({"text": r["text"], "label": r["label"]}) + "\n" for r in records[:cap]]
            (out / f"{split}.jsonl").write_text("".join(lines), encoding="utf-8")
    return out


def texts_and_labels(path: Path) -> tuple[list[str], list[int]]:
    records = read_jsonl(path)
    return [r["text"] for r in records], [int(r["label"] == "positive") for r in records]


def training_reviews(sources) -> tuple[list[str], list[int]]:
    """Texts and labels of several files under ../shared/data (e.g. "cr/train.jsonl"), in order."""
    texts, labels = [], []
    for source in sources:
        more_texts, more_labels = texts_and_labels(SHARED / source)
        texts += more_texts
        labels += more_labels
    return texts, labels


# --- metrics ------------------------------------------------------------------------------------------


def scores(labels: list[int], predicted: list[int]) -> dict:
    """Accuracy and macro-F1 in percent."""
    f1s = []
    for c in (0, 1):
        tp = sum(y == c and p == c for y, p in zip(labels, predicted))
        fp = sum(y != c and p == c for y, p in zip(labels, predicted))
        fn = sum(y == c and p != c for y, p in zip(labels, predicted))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    correct = sum(y == p for y, p in zip(labels, predicted))
    return {"accuracy": 100 * correct / len(labels), "macro_f1": 100 * sum(f1s) / 2}


# --- systems ------------------------------------------------------------------------------------------


def run_reviewcli(folder: Path, system: str, options: list[str], seed: int, workdir: Path) -> dict:
    """Trains into workdir/DATASET-SYSTEM-SEED; a run interrupted there goes on with --resume.
    train_seconds: wall time, or for a resumed run the sum of its epochs' seconds (config.json)."""
    cli = [str(ROOT / ".venv" / "bin" / "reviewcli")]
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / f"{folder.name}-{system}-{seed}"
    resumed = (out / "checkpoint").is_dir()
    if resumed:
        log(f"   resuming {out}")
    started = time.perf_counter()
    command = [*cli, "train", str(folder), *options, "--seed", str(seed), "--quiet", "--out", str(out)]
    subprocess.run([*command, "--resume" if resumed else "--force"], check=True)
    seconds = time.perf_counter() - started
    evaluated = subprocess.run(
        [*cli, "evaluate", str(folder / "test.jsonl"), "--model", str(out), "-f", "json"],
        check=True, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    result = json.loads(evaluated.stdout)
    checked = subprocess.run(
        [*cli, "check", "--model", str(out), "--format", "json"], check=True, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    suite = json.loads(checked.stdout)
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    if resumed:
        seconds = sum(epoch["seconds"] for epoch in config["history"])
    shutil.rmtree(out)  # stored below; a model of tens of MB per run is not kept
    return {
        "accuracy": 100 * result["accuracy"],
        "macro_f1": 100 * result["macro_f1"],
        "train_seconds": seconds,
        "best_epoch": config["metrics"]["best_epoch"],
        "check_failures": round(100 * suite["failure_rate"], 2),  # `reviewcli check`: how it reads order
        "check_capabilities": {name: round(100 * rate, 2) for name, rate in suite["capabilities"].items()},
        **({"resumed": True} if resumed else {}),
    }


def validation_split(folder: Path) -> tuple[tuple[list, list], tuple[list, list]]:
    """(train, validation): dev.jsonl where the folder has one, else a fixed 10% of train."""
    texts, labels = texts_and_labels(folder / "train.jsonl")
    if (folder / "dev.jsonl").exists():
        return (texts, labels), texts_and_labels(folder / "dev.jsonl")
    order = list(range(len(texts)))
    random.Random(13).shuffle(order)
    held = set(order[: len(order) // 10])
    keep = [i for i in order if i not in held]
    return ([texts[i] for i in keep], [labels[i] for i in keep]), ([texts[i] for i in held], [labels[i] for i in held])


def best_on_validation(folder: Path, choices: tuple, fit_and_predict) -> object:
    """The choice whose model, fitted on train minus validation, scores best on validation."""
    (train_texts, train_labels), (val_texts, val_labels) = validation_split(folder)
    accuracy = {c: scores(val_labels, fit_and_predict(c, train_texts, train_labels, val_texts))["accuracy"] for c in choices}
    return max(choices, key=lambda c: (accuracy[c], -choices.index(c)))


def tfidf_lr(c: float, train_texts: list[str], train_labels: list[int], test_texts: list[str]) -> list[int]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    classifier = LogisticRegression(C=c, max_iter=2000).fit(vectorizer.fit_transform(train_texts), train_labels)
    return classifier.predict(vectorizer.transform(test_texts)).tolist()


def run_tfidf(folder: Path, seed: int, workdir: Path) -> dict:
    started = time.perf_counter()
    c = best_on_validation(folder, TFIDF_C, tfidf_lr)
    train_texts, train_labels = texts_and_labels(folder / "train.jsonl")
    test_texts, test_labels = texts_and_labels(folder / "test.jsonl")
    predicted = tfidf_lr(c, train_texts, train_labels, test_texts)
    return {**scores(test_labels, predicted), "train_seconds": time.perf_counter() - started, "chosen": f"C={c:g}"}


def fasttext_line(text: str) -> str:
    return " ".join(text.lower().split())


def fasttext_fit_predict(seed: int, workdir: Path):
    def fit_and_predict(epochs, train_texts, train_labels, test_texts) -> list[int]:
        import fasttext

        train_file = workdir / "fasttext-train.txt"
        lines = [f"__label__{y} {fasttext_line(t)}\n" for t, y in zip(train_texts, train_labels)]
        train_file.write_text("".join(lines), encoding="utf-8")
        model = fasttext.train_supervised(str(train_file), wordNgrams=2, epoch=epochs, seed=seed, thread=1, verbose=0)
        labels, _ = model.predict([fasttext_line(t) for t in test_texts], k=1)
        return [int(label[0] == "__label__1") for label in labels]

    return fit_and_predict


def run_fasttext(folder: Path, seed: int, workdir: Path) -> dict:
    started = time.perf_counter()
    fit_and_predict = fasttext_fit_predict(seed, workdir)
    epochs = best_on_validation(folder, FASTTEXT_EPOCHS, fit_and_predict)
    train_texts, train_labels = texts_and_labels(folder / "train.jsonl")
    test_texts, test_labels = texts_and_labels(folder / "test.jsonl")
    predicted = fit_and_predict(epochs, train_texts, train_labels, test_texts)
    return {**scores(test_labels, predicted), "train_seconds": time.perf_counter() - started, "chosen": f"{epochs} epochs"}


def run_vader(folder: Path, seed: int, workdir: Path) -> dict:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    test_texts, test_labels = texts_and_labels(folder / "test.jsonl")
    predicted = [int(analyzer.polarity_scores(t)["compound"] >= 0) for t in test_texts]
    return {**scores(test_labels, predicted), "train_seconds": 0.0}


def run(system: str, folder: Path, seed: int, workdir: Path) -> dict:
    if system in OPTIONS:
        return run_reviewcli(folder, system, OPTIONS[system], seed, workdir)
    return {"tfidf-lr": run_tfidf, "fasttext": run_fasttext, "vader": run_vader}[system](folder, seed, workdir)


def seeds_of(system: str, seeds: tuple[int, ...]) -> tuple[int, ...]:
    return seeds[:1] if system in ("tfidf-lr", "vader") else seeds  # deterministic: one run says it all


# --- the store of results -----------------------------------------------------------------------------


def code_version() -> str:
    """Hash of reviewcli's code, every .py under reviewcli/ (and the default settings they hold), and of the shipped
    vectors and encoder that `python -m reviewcli` loads here: a change to any re-runs the reviewcli rows.
    The code is hashed as its syntax tree without docstrings (code_of), so an edit to a comment, a
    docstring or the layout keeps the rows; one to the code does not.
    Found through reviewcli itself, as train finds them: an editable install maps the shipped
    files to its own checkout's models/, whatever checkout runs this file."""
    from reviewcli.store import wordtable
    from reviewcli.training import shipped

    digest = hashlib.sha256()
    package = Path(shipped.__file__).resolve().parents[1]  # reviewcli/, its layers in subfolders
    folders = (wordtable.shipped_dir(), shipped.encoder_dir())
    files = [p for folder in folders for p in sorted(Path(folder).glob("*")) if p.is_file()]
    sources = sorted(package.rglob("*.py"), key=lambda p: p.relative_to(package).as_posix())
    for path in sources:
        digest.update(path.relative_to(package).as_posix().encode() + code_of(path.read_text(encoding="utf-8")))
    for path in files:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def code_of(source: str) -> bytes:
    """What a module does, as bytes: its syntax tree with every docstring left out (line numbers
    are not part of the dump, comments not part of the tree)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree).encode()


def key(dataset: str, system: str, seed: int, mode: str, version: str) -> str:
    code = version if system in OPTIONS else "-"
    return f"{dataset}|{system}|{seed}|{mode}|{code}"


def load_store() -> dict[str, dict]:
    if not STORE.exists():
        return {}
    return {record["key"]: record for record in map(json.loads, STORE.read_text(encoding="utf-8").splitlines())}


def remember(record: dict) -> None:
    STORE.parent.mkdir(parents=True, exist_ok=True)
    with open(STORE, "a", encoding="utf-8") as file:
        file.write(json.dumps(record) + "\n")


# --- the table ----------------------------------------------------------------------------------------


def spread(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.1f}"
    return f"{statistics.mean(values):.1f} ± {statistics.stdev(values):.1f}"


def summary_cell(runs: list[dict] | None, planned: int) -> str:
    """Mean ± sd of a system's runs on a dataset; a cell with fewer runs than seeds says how many."""
    if not runs:
        return "–"
    text = spread([r["accuracy"] for r in runs])
    return text if len(runs) >= planned else f"{text} ({len(runs)} of {planned} seeds)"


def summary_table(results: dict, datasets: list[str], systems: list[str], seeds) -> list[str]:
    """Systems × datasets: test accuracy (mean ± standard deviation over seeds)."""
    lines = ["| system | " + " | ".join(datasets) + " |", "|---|" + "---:|" * len(datasets)]
    for system in systems:
        planned = len(seeds_of(system, seeds))
        cells = [summary_cell(results.get((d, system)), planned) for d in datasets]
        lines.append(f"| {NAMES[system]} | " + " | ".join(cells) + " |")
    for name, figures in PUBLISHED.items():
        lines.append(f"| {name} | " + " | ".join(f"{figures[d]:.1f}" if d in figures else "–" for d in datasets) + " |")
    return lines


def detail_table(results: dict, datasets: list[str], systems: list[str]) -> list[str]:
    lines = ["| dataset | system | runs | accuracy | macro-F1 | train s (mean) | best epoch or choice |", "|---|---|---:|---:|---:|---:|---|"]
    for dataset in datasets:
        for system in systems:
            runs = results.get((dataset, system))
            if not runs:
                continue
            epochs = ", ".join(str(r.get("best_epoch", r.get("chosen", ""))) for r in runs)
            seconds = statistics.mean(r["train_seconds"] for r in runs)
            lines.append(
                f"| {dataset} | {NAMES[system]} | {len(runs)} | {spread([r['accuracy'] for r in runs])} | "
                f"{spread([r['macro_f1'] for r in runs])} | {seconds:,.1f} | {epochs} |"
            )
    return lines


def check_table(results: dict, datasets: list[str], systems: list[str]) -> list[str]:
    """reviewcli's models on `reviewcli check`: failures in %, mean over the seeds whose run recorded it."""
    trained = [system for system in systems if system in OPTIONS]

    def cell(dataset: str, system: str) -> str:
        runs = results.get((dataset, system), [])
        rates = [r["check_failures"] for r in runs if "check_failures" in r]
        if not rates:
            return "–"
        return f"{statistics.mean(rates):.1f}" + ("" if len(rates) == len(runs) else f" ({len(rates)} of {len(runs)} runs)")

    if all(cell(d, s) == "–" for d in datasets for s in trained):
        return []
    lines = [
        "`reviewcli check` failures (%, lower is better) of the same models, mean over the seeds that recorded it:",
        "",
        "| system | " + " | ".join(datasets) + " |",
        "|---|" + "---:|" * len(datasets),
    ]
    for system in trained:
        lines.append(f"| {NAMES[system]} | " + " | ".join(cell(d, system) for d in datasets) + " |")
    return ["", *lines]


def report(store: dict, datasets: list[str], systems: list[str], mode: str, version: str, seeds) -> str:
    results: dict[tuple[str, str], list[dict]] = {}
    for dataset in datasets:
        for system in systems:
            for seed in seeds_of(system, seeds):
                record = store.get(key(dataset, system, seed, mode, version))
                if record:
                    results.setdefault((dataset, system), []).append(record)
    header = [
        f"# reviewcli accuracy ({mode}; reviewcli sources {version})",
        "",
        "Test accuracy in percent, mean ± standard deviation over seeds "
        f"{', '.join(map(str, seeds))} where a system has randomness. Command: `.venv/bin/python bench/accuracy.py"
        f"{' --quick' if mode == 'quick' else ''}`.",
        "",
    ]
    tables = [*summary_table(results, datasets, systems, seeds), "", *detail_table(results, datasets, systems)]
    return "\n".join([*header, *tables, *check_table(results, datasets, systems)]) + "\n"


# --- main ---------------------------------------------------------------------------------------------


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", help="comma-separated folder names of ../shared/data (default: all)")
    parser.add_argument("--systems", help=f"comma-separated, of {', '.join(SYSTEMS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="1 seed; train ≤ 4,000, test ≤ 2,000 reviews")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per trained system (default 3)")
    parser.add_argument("--only-seed", type=int, help="run just this one of the seeds, to split a system over processes")
    parser.add_argument("--table-only", action="store_true", help="run nothing; print the table of stored results")
    parser.add_argument("--sources", help="with --table-only: the results of this stored sources hash, not the current code's")
    args = parser.parse_args()
    args.datasets = args.datasets.split(",") if args.datasets else None
    args.systems = args.systems.split(",") if args.systems else list(SYSTEMS)
    if set(args.systems) - set(SYSTEMS):
        parser.error(f"--systems: choose from {', '.join(SYSTEMS)}")
    args.seeds = SEEDS[:1] if args.quick else tuple(range(SEEDS[0], SEEDS[0] + args.seeds))
    if args.only_seed is not None and args.only_seed not in args.seeds:
        parser.error(f"--only-seed: choose from {', '.join(map(str, args.seeds))}")
    return args


def table_only(args: argparse.Namespace) -> None:
    """The table of the stored results of the current code, running nothing and reading no dataset."""
    store = load_store()
    if not store:
        print(f"No stored results in {STORE}: nothing to show. Run bench/accuracy.py (or --quick) first.")
        return
    mode, version = ("quick" if args.quick else "full"), args.sources or code_version()
    stored = {record_key.split("|")[0] for record_key in store}
    every = sorted(stored, key=lambda name: (ORDER.index(name) if name in ORDER else len(ORDER), name))
    table = report(store, every, args.systems, mode, version, args.seeds)
    print(table)
    out = RESULTS / ("accuracy-quick.md" if args.quick else "accuracy.md")
    out.write_text(table, encoding="utf-8")
    log(f"written to {out}")


def main() -> None:
    args = parse_arguments()
    if args.table_only:
        return table_only(args)
    mode, version = ("quick" if args.quick else "full"), code_version()
    folders = dataset_folders(args.datasets)
    store = load_store()
    with tempfile.TemporaryDirectory(prefix="reviewcli-accuracy-") as temporary:
        workdir = Path(temporary)
        # full runs train where a later run finds them: an IMDB run takes hours of one core
        runs = workdir if args.quick else RUNS / version
        for folder in folders:
            data = capped_copy(folder, workdir) if args.quick else folder
            for system in args.systems:
                for seed in seeds_of(system, args.seeds):
                    record_key = key(folder.name, system, seed, mode, version)
                    if record_key in store or args.only_seed not in (None, seed):
                        continue
                    log(f"{folder.name}: {system}, seed {seed}")
                    record = {"key": record_key, **run(system, data, seed, runs if system in OPTIONS else workdir)}
                    log(f"   accuracy {record['accuracy']:.2f}, {record['train_seconds']:.0f} s")
                    remember(record)
                    store[record_key] = record
    every = [folder.name for folder in dataset_folders(None)]  # results stored by earlier runs show too
    table = report(store, every, args.systems, mode, version, args.seeds)
    print(table)
    out = RESULTS / ("accuracy-quick.md" if args.quick else "accuracy.md")
    out.write_text(table, encoding="utf-8")
    log(f"written to {out}")


if __name__ == "__main__":
    main()
