"""`reviewcli check`: the behavioural test suite run on a model, as a table or JSON."""

from typing import Annotated, Optional

from reviewcli.cli.app import Command, app, examples, stderr_say, user_errors
from reviewcli.cli.options import OUTPUT, ModelDir, OutFile, Quiet, TableOrJson, option

CHECK_EXAMPLES = examples(
    "reviewcli check",
    "reviewcli check --model my-model --format json | jq .capabilities",
    "reviewcli check --model models/default --save",
)


@app.command(cls=Command, epilog=CHECK_EXAMPLES, short_help="Test how a model reads negation, contrast and more.")
@user_errors
def check(
    model: ModelDir = None,
    format: Annotated[
        Optional[TableOrJson], option("--format", "-f", metavar="FORMAT", panel=OUTPUT, help="table or json.")
    ] = None,
    out: OutFile = None,
    save: Annotated[
        Optional[bool],
        option("--save/--no-save", panel=OUTPUT, help="Keep a summary in DIR/check.json."),
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Run a behavioural test suite of short product-review sentences on a model: vocabulary,
    intensity, negation, contrast, change of mind, whose opinion counts, questions, robustness and
    invariance; each test's failure rate and failing examples. The summary is kept in the model's
    check.json (shown by info) where the folder is writable and is not the shipped model."""
    from reviewcli import commands
    from reviewcli.cli.render import chosen_format, results_to
    from reviewcli.cli.render.check import write_check

    form = chosen_format(format, out, ("json",), piped="table")
    result = commands.check(model, save=save, say=stderr_say(quiet))
    with results_to(out) as stream:
        write_check(result, form, stream)
