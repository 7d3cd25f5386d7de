"""Where the assistant finds what it ships and keeps what it makes: a source checkout or an installed wheel.

Run from a source checkout (the package folder has `pyproject.toml` and `index/sources/` beside it, as with
`make chat` or `pip install -e .`), everything stays in the checkout: prompts in `prompts/`, the bundled
studies in `index/sources/`, the eval set in `evals/`, the index in `index/store/`. Installed from a wheel,
the prompts, the five studies and the eval set are package data under `assistant/bundled/`, and what the
assistant writes goes to the user's folders (platformdirs): the index to the data folder, the log to the
log folder. Nothing is ever written next to an installed package. `STUDYQA_*` variables override all of it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

APP_NAME = "studyqa"
PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_DIR = PACKAGE_DIR / "bundled"
_CHECKOUT_PATHS = {"prompts": "prompts", "sources": "index/sources", "evals": "evals"}


@lru_cache(maxsize=1)
def checkout_root() -> Path | None:
    """The source checkout the package runs from, or None when it runs from an installed wheel."""
    root = PACKAGE_DIR.parent
    if (root / "pyproject.toml").is_file() and (root / "index" / "sources").is_dir():
        return root
    return None


def bundled(name: str) -> Path:
    """A shipped folder (`prompts`, `sources` or `evals`): the checkout's copy when there is one."""
    root = checkout_root()
    return root / _CHECKOUT_PATHS[name] if root else BUNDLED_DIR / name


def user_data_dir() -> Path:
    """The user's data folder for the assistant (index, eval reports) when run from a wheel."""
    import platformdirs

    return platformdirs.user_data_path(APP_NAME)


def default_index_dir() -> Path:
    """`index/store` in a checkout, else `store` in the user's data folder."""
    root = checkout_root()
    return root / "index" / "store" if root else user_data_dir() / "store"


def default_reports_dir() -> Path:
    """Where `studyqa eval` writes its reports: `evals/reports` in a checkout, else the user's data folder."""
    root = checkout_root()
    return root / "evals" / "reports" if root else user_data_dir() / "reports"


def default_log_file() -> Path:
    """The log that takes third-party warnings off the console: the user's log folder."""
    import platformdirs

    return platformdirs.user_log_path(APP_NAME) / "studyqa.log"


def default_encoder_cache_dir() -> Path:
    """Where ONNX copies of embedding models are kept for every index on this machine: the user's cache."""
    import platformdirs

    return platformdirs.user_cache_path(APP_NAME) / "encoders"


def install_kind() -> str:
    """'source checkout at PATH' or 'installed package at PATH', for `studyqa status`."""
    root = checkout_root()
    return f"source checkout at {root}" if root else f"installed package at {PACKAGE_DIR}"
