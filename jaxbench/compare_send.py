"""Run a call in a fresh process, with functions sent by value where they cannot be imported there.

What :func:`payload` pickles, and how (cloudpickle, as joblib/loky do):

- a callable importable under its own name (a module's function, a ``jax.jit`` function defined at a
  module's top level) goes **by name**: the fresh process imports it;
- a ``jax.jit`` function that is not importable (defined in a notebook, a local one) goes as the
  function it wraps (``__wrapped__``) with the options it was jitted with (static and donated
  argnums/argnames, ``keep_unused``, ``inline``, compiler options: ``PjitInfo``, jax's record of them),
  and is re-jitted there with the same options. One jitted with shardings, layouts, a device or a
  backend is not sent: those cannot be rebuilt faithfully in another process;
- anything else by cloudpickle: functions of ``__main__`` (a notebook, a script), lambdas and closures
  by value, with the globals they use.

:func:`why_not` says, per object, why it cannot be sent; the caller names it. :func:`run_fresh`
starts ``python -c`` with this interpreter, hands it the parent's ``sys.path``, the parent's jax
options where jax is imported (``jax_enable_x64``, ``jax_default_matmul_precision``...: set there
as soon as jax is imported, before anything sent that uses jax is loaded; a call that needs no jax
does not import it) and the payload on stdin, waits for it (one process at a time, never in
parallel) and reads back its answer. The fresh process does not re-run the notebook or script (no
``multiprocessing`` main-module import).
"""
from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
import tempfile
import types

_BOOT = ("import pickle, sys; sys.path[:] = pickle.load(sys.stdin.buffer); "
         "from jaxbench.compare_send import serve; serve(sys.argv[1])")
_RECOVERED = ("static_argnums", "static_argnames", "donate_argnums", "donate_argnames", "keep_unused", "inline",
              "compiler_options_kvs")


_PLAIN = (type, types.FunctionType, types.BuiltinFunctionType)


class CannotSend(Exception):
    """An object that cannot be sent to a fresh process without changing what it computes."""


class LoadFailed(Exception):
    """The fresh process could not unpickle the payload (a module it cannot import, ...)."""


# --- by name --------------------------------------------------------------------------------

def _resolve(module: str, qualname: str):
    """The object named ``qualname`` in ``module``, imported: how a callable sent by name is loaded."""
    import importlib

    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def importable_name(obj):
    """(module, qualname) under which ``obj`` itself is found in an imported module (not ``__main__``), else None."""
    mod, qual = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not (isinstance(mod, str) and isinstance(qual, str)) or mod == "__main__" or "<" in qual:
        return None
    found = sys.modules.get(mod)
    try:
        for part in qual.split("."):
            found = getattr(found, part)
    except Exception:
        return None
    return (mod, qual) if found is obj else None


# --- jax.jit functions by value ---------------------------------------------------------------

def is_jitted(obj) -> bool:
    """Whether ``obj`` is what ``jax.jit`` returns (jaxlib's ``PjitFunction``)."""
    return type(obj).__name__ == "PjitFunction" and type(obj).__module__.startswith("jaxlib")


def jit_options(jitted) -> dict:
    """The ``jax.jit`` keyword arguments ``jitted`` was made with; CannotSend where they cannot be
    read or rebuilt (shardings, layouts, device, backend), checked by re-jitting here."""
    info = getattr(jitted, "_jit_info", None)
    fun = getattr(jitted, "__wrapped__", None)
    if info is None or fun is None:
        raise CannotSend("a jax.jit function whose wrapped function or jit options this jax version does not expose")
    fixed = [name for name, unset in (
        ("in_shardings", not info.user_specified_in_shardings),
        ("out_shardings", all(type(x).__name__ == "UnspecifiedValue" for x in info.out_shardings_leaves)),
        ("in/out layouts", all(x is None for x in info.in_layouts_leaves + info.out_layouts_leaves)),
        ("device", info.device is None), ("backend", info.backend is None),
        ("pjit resources", not info.use_resource_env)) if not unset]
    if fixed:
        raise CannotSend(f"jitted with {', '.join(fixed)}, which cannot be rebuilt in another process")
    options = {"static_argnums": info.static_argnums, "static_argnames": info.static_argnames,
               "donate_argnums": info.donate_argnums, "donate_argnames": info.donate_argnames,
               "keep_unused": info.keep_unused, "inline": info.inline,
               "compiler_options": dict(info.compiler_options_kvs) or None}
    again = rejit(fun, options)._jit_info
    differ = [k for k in _RECOVERED if getattr(again, k) != getattr(info, k)]
    if differ:
        raise CannotSend(f"its jit options ({', '.join(differ)}) do not survive re-jitting")
    return options


def rejit(fun, options: dict):
    """``jax.jit(fun, **options)``: how a jitted function sent by value is loaded."""
    import jax

    return jax.jit(fun, **options)


# --- the payload ----------------------------------------------------------------------------

def _pickler(file):
    """A cloudpickle pickler with the by-name and re-jit rules of the module docstring."""
    import cloudpickle

    class Sender(cloudpickle.Pickler):
        def reducer_override(self, obj):
            if callable(obj) and not isinstance(obj, _PLAIN):     # plain functions: cloudpickle's own rule
                name = importable_name(obj)
                if name is not None:
                    return _resolve, name
                if is_jitted(obj):
                    return rejit, (obj.__wrapped__, jit_options(obj))
            return super().reducer_override(obj)

    return Sender(file, protocol=pickle.HIGHEST_PROTOCOL)


def dumps(obj) -> bytes:
    """``obj`` pickled by the rules of the module docstring (CannotSend, PicklingError, TypeError... if not)."""
    buf = io.BytesIO()
    _pickler(buf).dump(obj)
    return buf.getvalue()


def why_not(obj) -> str:
    """'' if ``obj`` can be sent, else why not (the error, in one line)."""
    try:
        dumps(obj)
    except CannotSend as exc:
        return str(exc)
    except Exception as exc:        # PicklingError, TypeError ("cannot pickle '_thread.lock' object"), ...
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return ""


# --- the fresh process ----------------------------------------------------------------------

def jax_settings() -> dict | None:
    """This process's jax options (``jax.config.values``: x64, matmul precision...), None without jax.
    Plain values only: an option held as one of jax's enums is sent as the enum's value (equal to it),
    since unpickling jax's enum class would import jax there before the call needs it."""
    import enum

    jax = sys.modules.get("jax")
    values = getattr(getattr(jax, "config", None), "values", None)
    if not isinstance(values, dict):
        return None
    return {k: v.value if isinstance(v, enum.Enum) else v for k, v in values.items()
            if isinstance(v, (bool, int, float, str, type(None)))}


class _OnJaxImport:
    """A ``sys.meta_path`` finder that sets the parent's jax options the moment ``jax`` is imported
    here, right after jax's own ``__init__`` and before whatever imported it goes on (a jax array
    being unpickled, the call's own ``import jax``). A call that needs no jax never pays jax's
    import (~2 s on 2 cores): importlib has no post-import hook of its own, hence this finder."""

    def __init__(self, settings: dict):
        self.settings = settings

    def find_spec(self, name, path=None, target=None):
        if name != "jax":
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec("jax")
        if spec is not None and spec.loader is not None:
            spec.loader = _ThenApply(spec.loader, self.settings)
        return spec


class _ThenApply:
    """The loader of jax's package, then :func:`_apply` once the package is executed."""

    def __init__(self, loader, settings: dict):
        self.loader, self.settings = loader, settings

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        _apply(self.settings)


def _apply_when_jax_imported(settings: dict | None) -> None:
    """:func:`_apply` now if jax is imported already, else when it is (:class:`_OnJaxImport`)."""
    if not settings:
        return
    if "jax" in sys.modules:
        _apply(settings)
    else:
        sys.meta_path.insert(0, _OnJaxImport(settings))


def _apply(settings: dict | None) -> None:
    """Set the jax options that differ here from ``settings`` (before anything sent is loaded)."""
    if not settings:
        return
    import jax

    for name, value in settings.items():
        if jax.config.values.get(name, value) != value:
            try:
                jax.config.update(name, value)
            except Exception as exc:
                why = f"{type(exc).__name__}: {exc}"
                raise LoadFailed(f"cannot set the jax option {name}={value!r} there: {why}") from exc


def run_fresh(call: bytes, tail_chars: int = 2000):
    """``fn(*args)`` for ``call = dumps((fn, args))``, in a fresh process with this one's ``sys.path``
    and jax options, waited for; LoadFailed if that process cannot set those or unpickle the call,
    RuntimeError if the call raised or the process died."""
    head = pickle.dumps(list(sys.path)) + pickle.dumps(jax_settings())
    with tempfile.TemporaryDirectory(prefix="jaxbench-compare-") as tmp:
        out = os.path.join(tmp, "answer.pickle")
        proc = subprocess.run([sys.executable, "-c", _BOOT, out], input=head + call,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        if not os.path.exists(out):
            err = proc.stderr.decode("utf-8", "replace")[-tail_chars:]
            raise RuntimeError(f"the fresh process exited with status {proc.returncode} without an answer:\n{err}")
        with open(out, "rb") as fh:
            kind, value = pickle.load(fh)
    if kind == "load":
        raise LoadFailed(value)
    if kind == "raised":
        raise RuntimeError(value)
    return value


def serve(out_path: str) -> None:
    """The fresh process's side of :func:`run_fresh`: set the jax options, load the call from stdin,
    make it, write ``("value", result)``, ``("load", why)`` or ``("raised", why)`` to ``out_path``."""
    try:
        _apply_when_jax_imported(pickle.load(sys.stdin.buffer))
        fn, args = pickle.load(sys.stdin.buffer)
    except LoadFailed as exc:
        answer = ("load", str(exc))
    except BaseException as exc:
        answer = ("load", f"{type(exc).__name__}: {exc}")
    else:
        try:
            answer = ("value", fn(*args))
        except BaseException as exc:
            answer = ("raised", f"{type(exc).__name__}: {exc}")
    with open(out_path, "wb") as fh:
        pickle.dump(answer, fh)
