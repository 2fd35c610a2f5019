"""How many reviews a known-word rule leaves unscored: English review test sets against short reviews in
other languages and symbols (tests/data/unjudgeable.txt), for the shipped model's vocabulary.

    .venv/bin/python bench/unscorable.py [MODEL_DIR]
"""

import argparse
import json
from pathlib import Path

from reviewcli.core.judgeable import known_words
from reviewcli.core.text import tokenize
from reviewcli.core.vocab import Vocabulary
from reviewcli.io.files import bundled

ROOT = Path(__file__).resolve().parent.parent
SETS = ["cr", "amazon-multidomain", "steam", "imdb", "mr", "sst2"]
SHARES = (0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5)


def counts(texts, vocab):
    return [known_words(tokenize(text), vocab.index) for text in texts]


def unscored(pairs, share):
    """Reviews left unscored: no known word, or known words below `share` of the words."""
    return sum(1 for known, words in pairs if known == 0 or known < share * words)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", nargs="?", type=Path, default=bundled("default"), help="model directory (default: the shipped one)")
    model = parser.parse_args().model
    vocab = Vocabulary(json.loads((model / "vocab.json").read_text()))
    data = ROOT.parent / "shared" / "data"
    rows = {}
    for name in SETS:
        lines = (data / name / "test.jsonl").read_text(encoding="utf-8").splitlines()
        rows[name] = counts([json.loads(line)["text"] for line in lines if line.strip()], vocab)
    foreign = (ROOT / "tests" / "data" / "unjudgeable.txt").read_text(encoding="utf-8").splitlines()
    rows["unjudgeable.txt"] = counts(foreign, vocab)
    print("| set | reviews | " + " | ".join(f"share < {s:.2f}" for s in SHARES) + " |")
    print("|---|---:|" + "---:|" * len(SHARES))
    for name, pairs in rows.items():
        cells = [f"{100 * unscored(pairs, s) / len(pairs):.2f} %" for s in SHARES]
        print(f"| {name} | {len(pairs):,} | " + " | ".join(cells) + " |")
    for text, (known, words) in zip(foreign, rows["unjudgeable.txt"]):
        print(f"{known}/{words}\t{text}")


if __name__ == "__main__":
    main()
