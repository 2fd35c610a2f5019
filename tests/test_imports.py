"""Start-up stays light: --help and usage errors answer without importing torch (or datasets)."""

import json
import subprocess
import sys

from conftest import ROOT, run_cli

PROBE = """
import json, sys
from reviewcli.cli.main import app
codes = []
for args in json.loads(sys.argv[1]):
    try:
        app(args, prog_name="reviewcli")
    except SystemExit as exit:
        codes.append(exit.code)
with open(sys.argv[2], "w") as out:
    json.dump({"codes": codes, "torch": "torch" in sys.modules, "datasets": "datasets" in sys.modules}, out)
"""


def probe(tmp_path, *invocations):
    result_file = tmp_path / "probe.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(invocations)), str(result_file)],
        capture_output=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(result_file.read_text())


def test_help_does_not_import_torch(tmp_path):
    found = probe(tmp_path, ["--help"], ["train", "--help"], ["evaluate", "--help"], ["predict", "--help"], ["--version"])
    assert found == {"codes": [0, 0, 0, 0, 0], "torch": False, "datasets": False}


def test_usage_errors_do_not_import_torch(tmp_path):
    found = probe(tmp_path, ["predict"], ["train", "--cell", "transformer"], ["predict", "x", "--threshold", "7"])
    assert found == {"codes": [2, 2, 2], "torch": False, "datasets": False}


def test_missing_data_file_does_not_import_torch(tmp_path):
    absent = str(tmp_path / "absent.jsonl")
    found = probe(tmp_path, ["evaluate", absent], ["train", absent, "--out", str(tmp_path / "m")])
    assert found["codes"] == [2, 2]
    assert found["torch"] is False


def test_python_m_help():
    done = run_cli(["--help"])
    assert done.returncode == 0
    out = done.stdout.decode("utf-8")
    for command in ("train", "evaluate", "predict"):
        assert command in out
    assert done.stderr == b""


def test_predict_imports_no_compiler_or_data_library(tiny_model):
    """Building a model on the meta device to check its files once imported torch._dynamo (2 s of
    every predict); predict needs neither it nor datasets, pyspark or optuna."""
    probe = (
        "import sys\nfrom reviewcli.cli.main import app\n"
        "try:\n    app(['predict', 'great taste', '-m', sys.argv[1]], prog_name='reviewcli')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('torch._dynamo', 'datasets', 'pyspark', 'optuna') if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(tiny_model)], capture_output=True, cwd=ROOT, timeout=120)
    assert done.stdout.decode().startswith(("positive\t", "negative\t")), done.stderr
    assert done.stderr.decode().strip() == "[]"
