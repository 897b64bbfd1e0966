"""The OpenAPI 3 description of the handoff service's JSON API, served at
``GET /api/openapi.json`` (no credentials needed: it holds no data).

The document is written by hand in ``handoff/openapi.yaml``, next to the code
it describes, and checked against the running service by
tests/handoff/test_openapi.py (schemathesis: every route, with and without
credentials, no 5xx, every answer as documented). Why by hand and not
generated: Sanic 21.12 has no schema generator of its own, and sanic-ext
would need a newer Sanic; the routes are few, and a hand-written document
can say what each error means.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

OPENAPI_PATH = "/api/openapi.json"
OPENAPI_FILE = Path(__file__).resolve().parent / "openapi.yaml"


def openapi_document(path: Path = OPENAPI_FILE) -> dict[str, Any]:
    """The document as a dict; ValueError if the file is not a YAML mapping."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or "openapi" not in document:
        raise ValueError(f"{path} is not an OpenAPI document")
    return document


def load_openapi(path: Path = OPENAPI_FILE) -> bytes:
    """The document as the JSON the service sends, read once when the app is made."""
    return json.dumps(openapi_document(path), ensure_ascii=False).encode("utf-8")
