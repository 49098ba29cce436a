"""User controllers (config `control.custom`): each entry `module:function` names a function that takes the
env and returns a policy, as the reference controllers of solarev.control.by_name do; it runs and is
scored like them, under the function's name (results/control/{function}/).

The rules import this module at DAG time, to check every entry before any job (the module imports, the
function takes the env) and to list the module's file among its job's code inputs: it imports nothing
heavy itself, and a user module should keep its own heavy imports inside its function (docs/examples/).
"""

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from solarev.codebase import solarev_closure
from solarev.config import ConfigError

if TYPE_CHECKING:
    from solarev.env.gym_env import Policy, SiteEnv

ControllerFunction = Callable[["SiteEnv"], "Policy"]


@dataclass(frozen=True)
class CustomController:
    entry: str  # "module:function", as in the config
    file: Path  # the module's source file: its job's code input

    @property
    def module(self) -> str:
        return self.entry.split(":")[0]

    @property
    def name(self) -> str:
        """The controller's name in results/ and the report: the function's."""
        return self.entry.split(":")[1]

    def code_files(self, src_root: Path) -> list[Path]:
        """Its job's code inputs besides the control script's: the module's file and the solarev modules it
        imports (solarev.codebase), so that an edit of either reruns it."""
        return [self.file, *solarev_closure(self.file, src_root)]


def working_directory_file(module: str, directory: Path) -> Path | None:
    """The source file of dotted module `module` under `directory` (a/b.py, or a/b/__init__.py), if any."""
    path = directory.joinpath(*module.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def import_user_module(module: str, directory: Path) -> ModuleType:
    """`module` from its file under `directory` (the working directory) when it has one there, as
    `python -m` would find it first; otherwise from the installed packages.

    Why not sys.path: Snakemake runs a script as `python .snakemake/scripts/tmp….py`, so a job's sys.path
    starts with that folder, not the working directory (and the snakemake command's with its bin folder).
    Putting the working directory on sys.path would let any file or folder there shadow an installed module
    for the whole job; importlib's recipe for importing a source file loads the one module named, and only
    it. A module loaded so imports installed packages (solarev among them) as usual, and other modules of
    the working directory once they are installed too (`uv pip install -e` of the user's package).
    """
    source = working_directory_file(module, directory)
    if source is None:
        return importlib.import_module(module)
    spec = importlib.util.spec_from_file_location(module, source)
    assert spec is not None and spec.loader is not None  # a .py file always has a source loader
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[module] = loaded  # as the import system does, so that the module can refer to itself
    try:
        spec.loader.exec_module(loaded)
    except BaseException:
        del sys.modules[module]
        raise
    return loaded


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


def controller_function(entry: str, key: str, directory: Path) -> tuple[ControllerFunction, Path]:
    """The function `entry` names and its module's file; ConfigError naming `key` when the module does not
    import, lacks the function, or the function does not take exactly one argument (the env)."""
    module_name, function_name = entry.split(":")
    try:
        module = import_user_module(module_name, directory)
    except Exception as error:  # whatever the module raises: a message naming the key, not a traceback
        raise ConfigError(
            f"{key}: cannot import module {module_name!r} from the working directory {directory.resolve()} "
            f"or the installed packages ({first_line(error)})"
        ) from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise ConfigError(
            f"{key}: module {module_name!r} ({module.__file__}) has no function {function_name!r}"
        )
    signature = inspect.signature(function)
    try:
        signature.bind(None)
    except TypeError:
        raise ConfigError(
            f"{key}: {entry} must take one argument, the env, and return a policy; it takes {signature}"
        ) from None
    return function, Path(module.__file__ or "")


def custom_controllers(entries: Sequence[str], directory: Path = Path()) -> list[CustomController]:
    """The user controllers of config `control.custom`, each entry checked (modules searched in
    `directory`, the working directory, before the installed packages)."""
    return [
        CustomController(entry, controller_function(entry, f"control.custom[{position}]", directory)[1])
        for position, entry in enumerate(entries)
    ]


def custom_policy(entry: str, env: "SiteEnv", directory: Path = Path()) -> "Policy":
    """The user controller's policy on `env` (run in its job, from the working directory)."""
    function, _ = controller_function(entry, entry, directory)
    policy = function(env)
    if not callable(policy):
        raise TypeError(f"{entry} returned {type(policy).__name__}, not a policy (observation -> action)")
    return policy
