"""check's results: a rich table of tests with failing examples for people, or json for programs."""

import json


def percent(rate: float) -> str:
    return f"{100 * rate:.1f}%"


def write_check(result: dict, form: str, stream) -> None:
    """form: table or json (indented)."""
    if form == "json":
        stream.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(file=stream)
    tests = sum(row["n"] for row in result["tests"])
    console.print(f"model: {result['model']}\n{result['sentences']:,} sentences, {tests:,} cases",
                  highlight=False, markup=False)  # fmt: skip
    table = Table("capability", "test", "n", "failed", title="failure rate by test")
    shown = None
    for row in result["tests"]:
        capability = row["capability"] if row["capability"] != shown else ""
        shown = row["capability"]
        table.add_row(capability, row["test"], str(row["n"]), percent(row["failure_rate"]))
    console.print(table)
    capabilities = Table("capability", "failed", title="by capability")
    for name, rate in result["capabilities"].items():
        capabilities.add_row(name, percent(rate))
    capabilities.add_row("overall", percent(result["failure_rate"]), style="bold")
    console.print(capabilities)
    failing = [row for row in result["tests"] if row["examples"]]
    if failing:
        console.print("failing examples", style="bold")
    for row in failing:
        console.print(f"{row['test']}:", highlight=False, markup=False)
        for example in row["examples"]:
            console.print(f"  {described(example)}", highlight=False, markup=False)


def described(example: dict) -> str:
    """One failing case on one line: the sentence, what was expected, P(positive) the model gave."""
    if "variant" in example:
        return (f"{example['text']!r} {example['p_positive']:.2f} -> {example['variant']!r} "
                f"{example['variant_p_positive']:.2f}")  # fmt: skip
    return f"{example['text']!r}: expected {example['expected']}, P(positive) {example['p_positive']:.2f}"
