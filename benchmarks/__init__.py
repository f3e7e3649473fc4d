"""Benchmarking tools (not part of the product): synthetic national-scale data, page and import benchmarks.

Their messages are English only, in benchmarks/messages.json (the product's catalogs are portal/locales/).
"""

from __future__ import annotations

import json
from pathlib import Path

MESSAGES = json.loads(Path(__file__).with_name("messages.json").read_text(encoding="utf-8"))


def say(message_id: str, **values: object) -> str:
    """A benchmark message with its placeholders filled."""
    return MESSAGES[message_id].format(**values)
