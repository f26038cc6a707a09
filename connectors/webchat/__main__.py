"""Run the web chat page: python -m connectors.webchat [--host H] [--port P] [--rasa-url URL]."""

import argparse
import os
import sys

from aiohttp import web

from connectors.webchat import config
from connectors.webchat.app import SOCKETIO_JS, init
from shop.datadir import require_writable
from shop.redact import install_log_redaction
from shop.secrets import require_secrets


def main(argv=None) -> None:
    """Serve the web chat page until stopped; options default to RASA_URL / RASA_PORT, WEBCHAT_HOST / WEBCHAT_PORT
    and KNOWLEDGE_URL / KNOWLEDGE_PORT. Warns, but still serves, when the socket.io client isn't installed."""
    rasa_default = os.environ.get("RASA_URL") or f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}"
    parser = argparse.ArgumentParser(prog="python -m connectors.webchat", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("WEBCHAT_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEBCHAT_PORT", "8080")))
    parser.add_argument("--rasa-url", default=rasa_default, help="Rasa server base URL (socket.io channel)")
    parser.add_argument("--store-name", help="the name the page shows (default: store.yml's)")
    knowledge_default = os.environ.get("KNOWLEDGE_URL") or (
        f"http://127.0.0.1:{os.environ['KNOWLEDGE_PORT']}" if os.environ.get("KNOWLEDGE_PORT") else None)
    parser.add_argument("--knowledge-url", default=knowledge_default,
                        help="knowledge service base URL, to show answers while they are written (optional)")
    args = parser.parse_args(argv)
    install_log_redaction()  # no card number, e-mail or phone number in the logs
    require_secrets("webchat")  # TIDEPOOL_PROFILE=production: from the environment, else a clear exit

    require_writable("webchat", [config.COPY_EVENTS_DB, config.CONVERSATION_RATINGS_DB])
    if not SOCKETIO_JS.is_file():
        print("warning: socket.io client missing; run `npm ci --prefix connectors/webchat`", file=sys.stderr)
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    print(f"Web chat on http://{shown_host}:{args.port}/ (Rasa at {args.rasa_url})", flush=True)
    app = init(args.rasa_url, store_name=args.store_name, knowledge_url=args.knowledge_url)
    web.run_app(app, host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
