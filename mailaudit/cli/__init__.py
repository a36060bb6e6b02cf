"""The ``mailaudit`` command line (click). Only this package imports click.

Every error the user can cause ends as one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys

import click

from mailaudit.cli.common import CONTEXT_SETTINGS
from mailaudit.dnscore.loop import GC_THRESHOLDS
from mailaudit.errors import MailauditError
from mailaudit.text import escape_text
from mailaudit.verdict import ExitCode

# Each command's module, imported when that command runs (or for --help): a batch need not load
# the report parsers, the message explainer or the history store (about 0.2 s of start-up).
COMMANDS = {
    "batch": "audit_cmd", "blocklist": "blocklist_cmd", "check": "audit_cmd", "diff": "diff_cmd",
    "explain": "explain_cmd", "fix": "fix_cmd", "history": "history_cmd", "plan": "plan_cmd",
    "portfolio": "history_cmd", "reports": "reports_cmd", "spf": "spf_cmd",
}


class _LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use (``COMMANDS``)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        command = getattr(importlib.import_module(f"mailaudit.cli.{module}"), cmd_name)
        assert isinstance(command, click.Command)
        if gc.get_threshold() == GC_THRESHOLDS:  # what start-up made lives for the run: scan it no more
            gc.freeze()
        return command


@click.group(cls=_LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="mailaudit")
def main_group() -> None:
    """Audit domains' e-mail setup (MX, SPF, DKIM, DMARC, blocklists) and say how to fix it."""


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the click group without click's own exit handling."""
    if argv is None:  # the process is this command (not a caller passing arguments): tune its collector
        gc.set_threshold(*GC_THRESHOLDS)
    if argv is not None and any("\x00" in arg for arg in argv):  # no real argv can hold one
        click.echo("mailaudit: an argument contains a NUL character", err=True)
        return _exit(ExitCode.USAGE)
    try:
        result = _run(argv)
    except BrokenPipeError:  # the reader went away (`| head`): quiet, as command-line tools are
        _silence_stdout()
        return int(ExitCode.USAGE)
    except OSError as err:  # a full disk, a file-size limit, a closed descriptor
        _silence_stdout()
        click.echo(f"mailaudit: cannot write the output: {_one_line(err.strerror or str(err))}", err=True)
        return int(ExitCode.USAGE)
    return result


def _run(argv: list[str] | None) -> int:
    try:
        result = main_group.main(args=argv, prog_name="mailaudit", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("mailaudit: aborted", err=True)
        return _exit(130)
    except click.ClickException as err:
        click.echo(f"mailaudit: {_one_line(err.format_message())}", err=True)
        return _exit(ExitCode.USAGE if err.exit_code == 2 else err.exit_code)
    except MailauditError as err:
        click.echo(f"mailaudit: {_one_line(str(err))}", err=True)
        return _exit(ExitCode.USAGE)
    except KeyboardInterrupt:
        click.echo("mailaudit: interrupted", err=True)
        return _exit(130)
    code = result if isinstance(result, int) else 0
    return _exit(code)


def _exit(code: int) -> int:
    if sys.stdout is not None:
        sys.stdout.flush()  # a write error here is the caller's OSError: one line, exit 2
    return int(code)


def _silence_stdout() -> None:
    """After a write error nothing more may reach standard output, not even the interpreter's
    flush at exit (which would print a traceback-like warning)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass


def _one_line(text: str, limit: int = 500) -> str:
    """One visible line: whitespace runs become a space, control characters and bidi overrides
    from user input or files are escaped (backslashes already in the text stay), length capped."""
    flat = " ".join(text.split())
    shown = "".join(ch if ch == "\\" else escape_text(ch) for ch in flat)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."
