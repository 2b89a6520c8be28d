"""Start the Lantern service: ``python -m service [--host 127.0.0.1] [--port 8000] [--bundle DIR]``.

The bundle (``--bundle``, else ``LANTERN_BUNDLE``, else the default) is loaded and verified
before the server starts, so a bad bundle stops here with one plain line (exit 1).
Security settings come from the environment: ``LANTERN_SERVICE_TOKEN``,
``LANTERN_SERVICE_MAX_BYTES`` and ``LANTERN_SERVICE_CORS_ORIGINS`` (see ``service/app.py``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m service", description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    ap.add_argument("--bundle", type=Path, default=None, help="bundle folder (default: LANTERN_BUNDLE or the default)")
    ap.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    import uvicorn

    from core.model.bundle import BundleError, configured_bundle_path
    from core.scoring.engine import Engine
    from core.settings import SettingsError
    from service.app import Settings, create_app

    try:
        settings = Settings.from_env()
        engine = Engine.load(args.bundle or configured_bundle_path())
    except (BundleError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not settings.token and args.host not in LOOPBACK:
        print(f"warning: listening on {args.host} without LANTERN_SERVICE_TOKEN; anyone who can reach this port "
              "can use the service.", file=sys.stderr)
    uvicorn.run(create_app(engine, settings), host=args.host, port=args.port, log_level=args.log_level,
                access_log=False, server_header=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
