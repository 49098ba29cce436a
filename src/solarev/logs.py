"""Per-job logging: every workflow script sends its messages to the rule's `log:` file."""

import logging
import sys
import warnings
from pathlib import Path


def configure(log_path: str | Path, level: int = logging.INFO) -> logging.Logger:
    """Log to `log_path` (created with its folder) and to stderr; capture Python warnings too."""
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handlers: list[logging.Handler] = [
        logging.FileHandler(log_path, mode="w"),
        logging.StreamHandler(sys.stderr),
    ]
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    logging.captureWarnings(True)
    warnings.simplefilter("default")
    return logging.getLogger("solarev")
