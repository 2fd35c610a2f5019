"""Scoring on Spark (local[2]): the same labels and probabilities as reviewcli's Predictor, every
row and column kept in each file's order, the model loaded once per Python worker."""

import importlib.util
import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, NETWORK, ROOT, invoke, read_jsonl

FILES = (400, 350, 250)  # 1,000 reviews in three Parquet files


def test_a_missing_pyspark_is_one_clear_message(monkeypatch):
    from reviewcli.core.errors import UsageError
    from reviewcli.engines import spark

    monkeypatch.setitem(sys.modules, "pyspark", None)  # `import pyspark` now raises ImportError
    with pytest.raises(UsageError, match=r"needs pyspark.*pip install 'reviewcli\[spark\]'"):
        spark.score_files("reviews/*.parquet", "out")


@pytest.mark.slow
def test_the_base_install_never_imports_pyspark():
    probe = "import sys, reviewcli.cli.main, reviewcli.commands, reviewcli.engines.spark; print('pyspark' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, cwd=ROOT, timeout=60, text=True, check=False
    )
    assert done.stdout.strip() == "False", done.stderr


# not importorskip: at module level it would skip the two tests above too, which matter most without pyspark
needs_pyspark = pytest.mark.skipif(
    importlib.util.find_spec("pyspark") is None, reason="pyspark is not installed (the extra reviewcli[spark])"
)


def reviews() -> list[dict]:
    """1,000 rows: the project's reviews, numbered, with an empty and a missing text among them and a
    column named `label` that the output keeps as input_label."""
    rows = read_jsonl(DATA / "train.jsonl") + read_jsonl(DATA / "test.jsonl")
    out = []
    for i in range(sum(FILES)):
        text = rows[i % len(rows)]["text"] + ("" if i < len(rows) else f" (copy {i // len(rows)})")
        out.append({"id": i, "text": text, "label": rows[i % len(rows)]["label"], "stars": i % 5 + 1})
    out[3]["text"], out[5]["text"] = "", None
    return out


@pytest.fixture(scope="module")
def spark_session(tmp_path_factory):
    from pyspark.sql import SparkSession

    log = tmp_path_factory.mktemp("spark") / "loads.tsv"
    os.environ["REVIEWCLI_SPARK_LOAD_LOG"] = str(log)  # Spark's Python workers inherit it
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]").appName("reviewcli tests").config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "50")  # 20 batches or more
        .config("spark.sql.files.maxPartitionBytes", "20000")  # several tasks a file
        .config("spark.sql.files.openCostInBytes", "0")
        .getOrCreate()
    )  # fmt: skip
    session.sparkContext.setLogLevel("ERROR")
    yield session, log
    session.stop()
    os.environ.pop("REVIEWCLI_SPARK_LOAD_LOG", None)


@pytest.fixture(scope="module")
def parquet_files(tmp_path_factory) -> Path:
    import pandas as pd

    folder = tmp_path_factory.mktemp("reviews")
    rows, start = reviews(), 0
    for number, size in enumerate(FILES):
        # small row groups, so that Spark splits a file into several tasks
        pd.DataFrame(rows[start : start + size]).to_parquet(folder / f"part{number}.parquet", row_group_size=40)
        start += size
    return folder


def read_parts(output: Path):
    import pandas as pd

    parts = sorted(output.glob("part-*.parquet"))
    assert parts
    return pd.concat([pd.read_parquet(part) for part in parts], ignore_index=True)


@needs_pyspark
@pytest.mark.slow
def test_spark_scores_as_the_predictor_does_keeping_rows_columns_and_order(
    spark_session, parquet_files, tiny_model, predictor, tmp_path
):
    import pandas as pd

    from reviewcli.engines import spark

    _, log = spark_session
    output = tmp_path / "scored"
    summary = spark.score_files(str(parquet_files / "*.parquet"), output, tiny_model, text_column="text")
    assert summary == {"rows": 1000, "files": 3, "output": str(output)}
    scored = read_parts(output)
    assert list(scored.columns) == ["id", "text", "input_label", "stars", "label", "probability", "score"]
    assert sorted(scored["id"]) == list(range(1000))
    starts = [0, FILES[0], FILES[0] + FILES[1], 1000]
    for start, end in itertools.pairwise(starts):  # each file's rows in its order
        ids = [i for i in scored["id"] if start <= i < end]
        assert ids == list(range(start, end))
    rows = {row["id"]: row for row in reviews()}
    expected = predictor.predict_known([rows[i]["text"] or "" for i in scored["id"]])
    for row, probability in zip(scored.itertuples(), expected):
        assert row.input_label == rows[row.id]["label"] and row.stars == rows[row.id]["stars"]
        if probability is None:
            assert pd.isna(row.label) and pd.isna(row.probability)  # null in Parquet
        else:
            # Spark's batches against the predictor's: probabilities to float32 noise, relative to p; the
            # label and score follow the row's own probability exactly (score >= 0.5, so rel holds for 1 - p)
            assert row.probability == pytest.approx(probability, rel=NETWORK)
            assert row.label == ("positive" if row.probability >= 0.5 else "negative")
            assert row.score == (row.probability if row.label == "positive" else 1 - row.probability)
            assert row.score == pytest.approx(probability if row.label == "positive" else 1 - probability, rel=NETWORK)
    assert sum(p is None for p in expected) >= 2  # the empty and the missing text
    loads = [line.split("\t")[0] for line in log.read_text().splitlines()]
    assert loads and len(loads) == len(set(loads)) <= 2  # once per Python worker, not per batch or task


@needs_pyspark
def test_output_that_exists_is_refused_before_spark_starts(parquet_files, tmp_path):
    from reviewcli.core.errors import UsageError
    from reviewcli.engines import spark

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x").write_text("kept")
    with pytest.raises(UsageError, match="already exists and is not empty"):
        spark.score_files(str(parquet_files / "*.parquet"), tmp_path / "out")
    with pytest.raises(UsageError, match="no file matches"):
        spark.score_files(str(tmp_path / "none-*.parquet"), tmp_path / "new")


def predict_has_engine() -> bool:
    return "--engine" in invoke(["predict", "--help"]).stdout


@needs_pyspark
@pytest.mark.slow
def test_predict_engine_spark_from_the_shell(spark_session, parquet_files, tiny_model, predictor, tmp_path):
    output = tmp_path / "OUT"
    result = invoke([
        "predict", "--input", str(parquet_files / "*.parquet"), "--engine", "spark", "--master", "local[2]",
        "--text-column", "text", "--output", f"{output}/", "--model", tiny_model,
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    scored = read_parts(output)
    assert len(scored) == 1000 and sorted(scored["id"]) == list(range(1000))
    known = scored.dropna(subset=["probability"])
    expected = predictor.predict_known(list(known["text"]))
    assert known["probability"].tolist() == pytest.approx(expected, rel=NETWORK)  # relative to p
