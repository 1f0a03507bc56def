"""buildozer's extension for the offline layer: @bazel_tools names it for `bazel mod tidy`, which
runs `buildozer.exe` of this repository; here that is the root's buildozer (tools/bootstrap)."""

def _buildozer_repo_impl(rctx):
    rctx.file("BUILD.bazel", 'exports_files(["buildozer.exe"])\n')
    rctx.symlink("/usr/local/bin/buildozer", "buildozer.exe")

_buildozer_repo = repository_rule(implementation = _buildozer_repo_impl, local = True)

def _buildozer_binary_impl(_mctx):
    _buildozer_repo(name = "buildozer_binary")

buildozer_binary = module_extension(implementation = _buildozer_binary_impl)
