"""Batch scoring on Spark: a column expression that scores a text column with a reviewcli model, and
score_files, Parquet files in and Parquet out with label, probability and score added.

Each Spark Python worker loads the model once, on its first batch, and keeps it for every later
batch and task (Spark reuses its Python workers). pyspark is the optional extra `reviewcli[spark]`:
it is imported here only, inside the functions, and nothing else in reviewcli imports this module
at start-up. On a cluster, reviewcli and the model directory must be reachable from every executor.
"""

import glob
import os
import shutil
import sys
import tempfile
from pathlib import Path

from reviewcli.core.errors import UsageError
from reviewcli.io.output import OUTPUT_KEYS

# a file to which each model load appends "pid<TAB>model directory": how often workers loaded it
LOAD_LOG = "REVIEWCLI_SPARK_LOAD_LOG"
RESULT = "label string, probability double, score double"
PREDICTORS: dict[tuple[str, str], object] = {}  # (model directory, precision) -> Predictor, per process


def require_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise UsageError(
            "scoring on Spark needs pyspark, which is not installed. Install reviewcli's spark extra "
            "(pip install 'reviewcli[spark]'; Spark also needs Java 17 or newer), or leave out --engine spark."
        ) from None


def predictor(model_dir: str, precision: str):
    """This process's Predictor for a model directory, loaded on first use."""
    key = (model_dir, precision)
    if key not in PREDICTORS:
        from reviewcli.inference.predictor import load_predictor

        PREDICTORS[key] = load_predictor(Path(model_dir), "cpu", precision)
        note_load(model_dir)
    return PREDICTORS[key]


def note_load(model_dir: str) -> None:
    log = os.environ.get(LOAD_LOG)
    if log:
        with open(log, "a", encoding="utf-8") as file:
            file.write(f"{os.getpid()}\t{model_dir}\n")


def scores(texts: list, model_dir: str, threshold: float, precision: str) -> dict[str, list]:
    """{"label": [...], "probability": [...], "score": [...]} of raw texts, as `reviewcli predict` gives
    them: None for a missing text or one without a word the model knows."""
    from reviewcli.io.output import prediction

    probabilities = predictor(model_dir, precision).predict_known(["" if t is None else str(t) for t in texts])
    predicted = [prediction(p, threshold) for p in probabilities]
    return {"label": [p.label for p in predicted], "probability": probabilities, "score": [p.score for p in predicted]}


def score_column(text, model_dir=None, *, threshold: float = 0.5, precision: str = "auto"):
    """A Spark Column, struct<label: string, probability: double, score: double>, scoring the column `text` (a name
    or a Column) with the model in `model_dir` (default: $REVIEWCLI_MODEL, else the shipped model).

        df.withColumn("sentiment", score_column("body", "models/mine")).select("*", "sentiment.*")
    """
    require_pyspark()
    from collections.abc import Iterator

    import pandas as pd
    from pyspark.sql.functions import col, pandas_udf

    from reviewcli.store.artifacts import default_model_dir

    directory = str(default_model_dir(model_dir).resolve())  # the driver's answer travels to the executors

    @pandas_udf(RESULT)
    def score(batches: Iterator[pd.Series]) -> Iterator[pd.DataFrame]:
        for texts in batches:
            yield pd.DataFrame(scores(texts.tolist(), directory, threshold, precision), index=texts.index)

    return score(col(f"`{text}`") if isinstance(text, str) else text)


def with_scores(frame, text_column: str, model_dir=None, *, threshold: float = 0.5, precision: str = "auto"):
    """frame's columns, then label, probability and score; input columns of those names are kept as
    input_label etc., as `reviewcli predict` keeps them."""
    from pyspark.sql.functions import col

    names = [f"input_{name}" if name in OUTPUT_KEYS else name for name in frame.columns]
    kept = [col(f"`{name}`").alias(new) for name, new in zip(frame.columns, names)]
    scored = score_column(text_column, model_dir, threshold=threshold, precision=precision)
    both = frame.select(*kept, scored.alias("_reviewcli"))
    return both.select(*[col(f"`{name}`") for name in names], *(f"_reviewcli.{key}" for key in OUTPUT_KEYS))


def session(master: str | None):
    """The active Spark session, or a new one on `master`. Local workers run this Python, so they
    import the same reviewcli and torch."""
    from pyspark.sql import SparkSession

    if (master is None or master.startswith("local")) and "PYSPARK_PYTHON" not in os.environ:
        os.environ["PYSPARK_PYTHON"] = sys.executable
    builder = SparkSession.builder.appName("reviewcli predict")
    return (builder.master(master) if master else builder).getOrCreate()


def input_files(pattern: str) -> list[str]:
    if "://" in pattern:  # hdfs://, s3a://: Spark finds the files
        return [pattern]
    files = sorted(glob.glob(pattern))
    if not files:
        raise UsageError(f"{pattern}: no file matches. Quote the pattern ('reviews/*.parquet') or check the path.")
    return files


def check_output(output: Path) -> None:
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise UsageError(f"{output}: already exists and is not empty. Choose another --output or remove it.")
    if not output.parent.is_dir():
        raise UsageError(f"{output}: its folder {output.parent} does not exist. Create it or choose another --output.")


def score_files(
    pattern: str, output_dir, model_dir=None, master: str | None = None, text_column: str | None = None, *,
    threshold: float = 0.5, precision: str = "auto",
) -> dict:  # fmt: skip
    """Parquet files matching `pattern` -> Parquet in output_dir: their columns plus label and
    probability, one part file per Spark input split, with no shuffle, so each input file's rows
    keep their order (read the part files in name order). -> {"rows", "files", "output"}."""
    require_pyspark()
    from reviewcli.io.data import TEXT_COLUMNS, pick_column

    files = input_files(pattern)
    output = Path(output_dir)
    remote = "://" in str(output_dir)
    if not remote:
        check_output(output)
    frame = session(master).read.parquet(*files)
    text = pick_column(frame.columns, text_column, TEXT_COLUMNS, "text", pattern)
    scored = with_scores(frame, text, model_dir, threshold=threshold, precision=precision)
    if remote:
        scored.write.parquet(str(output_dir))
    else:
        write_locally(scored, output)
    return {"rows": frame.count(), "files": len(files), "output": str(output_dir)}


def write_locally(frame, output: Path) -> None:
    """Written beside output and renamed into place: a failed job leaves no half-written output."""
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.tmp-", dir=output.parent))
    try:
        frame.write.mode("overwrite").parquet(str(staging / "parts"))
        if output.exists():
            output.rmdir()  # empty, as check_output found it
        os.replace(staging / "parts", output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
