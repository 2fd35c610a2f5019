"""README stays a user's page: short, every `reviewcli` option it shows exists on the command it is
shown with, and nothing in it points at our tracker or our working sessions."""

import re
import shlex

import pytest
import typer.main
from conftest import ROOT

from reviewcli.cli import app

README = ROOT / "README.md"
MAX_LINES = 350


def readme() -> str:
    return README.read_text(encoding="utf-8")


def options_by_command() -> dict[str, set[str]]:
    """Every option of every command, and of the top level under "", as click sees them."""
    group = typer.main.get_command(app)

    def options(command) -> set[str]:
        found = {"--help", "-h"}
        for param in command.params:
            found |= {name for name in (*param.opts, *param.secondary_opts) if name.startswith("-")}
        return found

    table = {name: options(command) for name, command in group.commands.items()}
    table[""] = options(group)
    return table


def shell_lines(text: str) -> list[str]:
    """The command lines of fenced sh/console blocks, continuations joined: in a console block only
    the lines after a `$ ` prompt, in an sh block every line."""
    lines, block, pending = [], None, ""
    for line in text.splitlines():
        fence = re.match(r"^```(\w*)", line)
        if fence:
            block = None if block is not None else fence.group(1) or "text"
            continue
        if block not in ("sh", "bash", "shell", "console"):
            continue
        if block == "console" and not pending:
            if not line.startswith("$ "):
                continue
            line = line[2:]
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    return lines


def reviewcli_calls(line: str) -> list[tuple[str, list[str]]]:
    """(command, words after it) for each `reviewcli …` (or `-m reviewcli …`) in one shell line."""
    words = shlex.split(line, comments=True)
    segments, current = [], []
    for word in words:
        if word in ("|", "||", "&&", ";"):
            segments.append(current)
            current = []
        else:
            current.append(word)
    segments.append(current)
    calls = []
    for segment in segments:
        for at, word in enumerate(segment):
            if word.rsplit("/", 1)[-1] == "reviewcli" and (at == 0 or segment[at - 1] == "-m"):
                rest = segment[at + 1 :]
                command = rest[0] if rest and not rest[0].startswith("-") else ""
                calls.append((command, rest[1:] if command else rest))
                break
    return calls


def unknown_options(text: str, known: dict[str, set[str]]) -> list[str]:
    """`command --option` pairs of the README's shell lines that the CLI does not have."""
    missing = []
    for line in shell_lines(text):
        for command, words in reviewcli_calls(line):
            if command not in known:
                missing.append(f"reviewcli {command}: no such command ({line.strip()})")
                continue
            for word in words:
                if word == "--":  # what follows is a review, not an option
                    break
                option = word.split("=", 1)[0]
                is_option = option.startswith("--") or re.fullmatch(r"-[A-Za-z]", option)
                if is_option and option not in known[command]:
                    missing.append(f"reviewcli {command} {option}")
    return missing


def test_readme_is_at_most_350_lines():
    assert len(readme().splitlines()) <= MAX_LINES


def test_every_option_in_readme_commands_exists_on_that_command():
    """Long options and one-letter short ones (`-o`); `-` alone is standard input."""
    known = options_by_command()
    assert len(shell_lines(readme())) >= 10  # the parser found README's examples at all
    assert unknown_options(readme(), known) == []


def test_every_inline_option_in_readme_prose_exists_on_some_command():
    """Options named in prose (`--threshold P`) are not tied to a command line; each must be one some
    command has, or belong to a tool README also shows (pip, torchrun)."""
    known = set().union(*options_by_command().values())
    others = {"--index-url", "--nproc-per-node", "--standalone", "--pip-args", "--extra-index-url"}
    prose = re.sub(r"^```.*?^```", "", readme(), flags=re.S | re.M)
    named = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", prose))
    assert named - known - others == set()


@pytest.mark.parametrize(
    "line, expected",
    [
        ("reviewcli predict --no-such-option x", ["reviewcli predict --no-such-option"]),
        ("cat f | reviewcli evaluate - --threshold 0.4 --gates", ["reviewcli evaluate --gates"]),
        ('reviewcli predict -- "--not-an-option"', []),
        ("torchrun --standalone -m reviewcli train data/ --out m --bogus", ["reviewcli train --bogus"]),
        ("reviewcli info -z", ["reviewcli info -z"]),
        ("reviewcli predict - < reviews.txt", []),
        ("reviewcli predikt x", ["reviewcli predikt: no such command (reviewcli predikt x)"]),
    ],
)
def test_the_checker_catches_an_option_the_command_lacks(line, expected):
    text = f"```sh\n{line}\n```\n"
    assert unknown_options(text, options_by_command()) == expected


def test_console_blocks_check_only_prompt_lines_and_join_continuations():
    text = "```console\n$ reviewcli predict \\\n    --bogus x\nreviewcli predict --output-line\n```\n"
    assert unknown_options(text, options_by_command()) == ["reviewcli predict --bogus"]


def test_readme_names_no_issue_number_and_no_session():
    text = readme()
    assert re.findall(r"\bissues?\s+#?\d+", text, re.I) == []
    assert re.findall(r"session", text, re.I) == []


def test_python_api_example_follows_its_marker():
    lines = readme().splitlines()
    marker = lines.index("<!-- python-api-example -->")
    assert lines[marker + 1] == "```python"
