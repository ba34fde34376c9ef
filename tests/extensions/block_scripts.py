"""The theme block's JavaScript, file by file, in the order the page runs it.

The block's schema names one script (`javascript`, which Shopify loads in the head and holds to
10 KB); the block's Liquid loads the elements it works with from `<script src="{{ 'x.js' |
asset_url }}" defer>` tags. Deferred scripts run in document order, head first, so that is the
order here. Tests that read what the block sends read these files, in this order.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

EXTENSION = Path(__file__).resolve().parents[2] / "extensions" / "cancel-button"
BLOCK = EXTENSION / "blocks" / "order-cancel.liquid"
SCRIPT_TAG = re.compile(r"""<script src="{{ '([\w.-]+\.js)' \| asset_url }}" defer></script>""")


def block_scripts() -> list[Path]:
    source = BLOCK.read_text()
    match = re.search(r"{%\s*schema\s*%}(.*?){%\s*endschema\s*%}", source, re.DOTALL)
    assert match is not None
    names = [json.loads(match[1])["javascript"], *SCRIPT_TAG.findall(source)]
    assert source.count("<script") == len(names) - 1, "a <script> tag this helper cannot read"
    assert len(set(names)) == len(names), names
    return [EXTENSION / "assets" / name for name in names]


def block_javascript() -> str:
    """All of the block's scripts, one after the other."""
    return "\n".join(path.read_text() for path in block_scripts())
