"""The launcher script of the executables that `bazel run` starts (sign_and_push, image_verifier)."""

_LAUNCHER = """\
#!/usr/bin/env bash
# Generated for {label} (private/launcher.bzl): runs {program} with its runfiles.
set -euo pipefail
if [[ -z ${{RUNFILES_DIR:-}} ]]; then
  if [[ -d "$0.runfiles" ]]; then RUNFILES_DIR="$0.runfiles"; else RUNFILES_DIR="${{PWD%/_main}}"; fi
fi
exec "$RUNFILES_DIR/{program}" --runfiles "$RUNFILES_DIR" {arguments} "$@"
"""

def rlocation(ctx, file):
    """The path of `file` below the runfiles directory: <workspace>/<path>, or <repository>/<path>.

    Args:
        ctx: the rule's context.
        file: a File in the runfiles.

    Returns:
        The runfiles path.
    """
    if file.short_path.startswith("../"):
        return file.short_path[3:]
    return ctx.workspace_name + "/" + file.short_path

def write_launcher(ctx, program, arguments):
    """Writes the executable `<name>`, which runs `program` with `--runfiles DIR`, then `arguments`.

    Args:
        ctx: the rule's context.
        program: the executable File to run (in the runfiles).
        arguments: list of strings put before the user's own (runfiles paths: relative to DIR).

    Returns:
        The launcher File.
    """
    launcher = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.write(launcher, _LAUNCHER.format(
        label = str(ctx.label),
        program = rlocation(ctx, program),
        arguments = " ".join(arguments),
    ), is_executable = True)
    return launcher
