# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "STARCH"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.starch_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py",
                   "fixtures", "bench", "unit", "Inputs"]

config.environment["FILECHECK_OPTS"] = "-enable-var-scope --allow-unused-prefixes=false"
config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%fixtures", os.path.join(config.starch_src_root, "test", "fixtures")))
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%starch_bin", config.starch_tools_dir))
# Memory errors of a command: valgrind's memcheck (exit status 99), or, in a
# sanitizer build, the command's own ASan, which memcheck cannot run under.
if config.starch_sanitize:
    config.substitutions.append(("%memcheck", ""))
else:
    config.substitutions.append(("%memcheck", "valgrind -q --error-exitcode=99"))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tool_dirs = [config.starch_tools_dir, config.llvm_tools_dir]
tools = ["starch-opt", "starch-run", "starchc", "starch-data"]
llvm_config.add_tool_substitutions(
    [ToolSubst(t, unresolved="ignore") for t in tools], tool_dirs)
