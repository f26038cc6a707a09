"""`python -m actions.server`: rasa-sdk's action server, answering only Rasa.

Rasa sends the action endpoint's `token` (bot/endpoints.yml) as a query parameter on every call; rasa-sdk does not
check it, so this wraps rasa-sdk's own app with a request guard: a call without the shared secret gets 401 and no
action runs. `/health` stays open for supervisors. The server listens on loopback unless ACTION_HOST says otherwise.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
from functools import partial

from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic
from sanic.response import json as json_response
from sanic.worker.loader import AppLoader

from actions import config
from actions.call_shape import problem_with
from actions.outages import OutageTolerantExecutor
from shop.datadir import require_writable, secret_file
from shop.erasure import eraser
from shop.lockout import lockout_url
from shop.redact import install_log_redaction
from shop.secrets import require_secrets, shared_secret

log = logging.getLogger(__name__)
OPEN_PATHS = {"/health"}
LOG_FORMAT = "%(asctime)s actions %(levelname)s %(message)s"


def refuse_malformed_call(request):
    """A JSON 400 for an action call rasa-sdk would crash on (actions/call_shape.py)."""
    try:
        call = request.json
    except Exception:  # Sanic raises its own error types for a body that is not JSON
        call = None
    problem = problem_with(call)
    return None if problem is None else json_response({"error": problem}, status=400)


def guarded_app(action_executor: ActionExecutor, token: str) -> Sanic:
    """rasa-sdk's app, refusing calls that do not carry the token Rasa sends."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)  # Sanic's worker process starts without a handler
    install_log_redaction()  # again in Sanic's worker process, where the actions run and log
    app = create_app_for_serve(action_executor, cors_origins=[])

    @app.on_request
    async def require_token(request):
        if request.path in OPEN_PATHS:
            return None
        given = request.args.get("token", "")
        if not hmac.compare_digest(given.encode(), token.encode()):
            log.warning("refused an action call without the shared token from %s", request.ip)
            return json_response({"error": "unauthorised"}, status=401)
        if request.path == "/webhook" and request.method == "POST":
            return refuse_malformed_call(request)
        return None

    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m actions.server")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_PORT", "5055")))
    parser.add_argument("--host", default=config.ACTION_HOST)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    install_log_redaction()  # no card number, e-mail or phone number in the logs
    require_secrets("actions")  # TIDEPOOL_PROFILE=production: from the environment, else a clear exit
    lockout_file = lockout_url().removeprefix("sqlite:///") if lockout_url().startswith("sqlite:///") else None
    require_writable("actions", [config.STORE_DB, config.COPY_EVENTS_DB, lockout_file,
                                 secret_file("ACTION_TOKEN", config.ACTION_TOKEN_FILE),
                                 secret_file("DESK_SERVICE_TOKEN", config.DESK_SERVICE_TOKEN_FILE)])
    eraser()  # finishes the "forget me" erasures left pending when the server last stopped (shop/erasure.py)
    executor = OutageTolerantExecutor()  # a store outage gets a polite reply, not a 500 (actions/outages.py)
    executor.register_package("actions")
    token = shared_secret("ACTION_TOKEN", config.ACTION_TOKEN_FILE)
    loader = AppLoader(factory=partial(guarded_app, executor, token))
    app = loader.load()
    app.prepare(host=args.host, port=args.port, workers=1, access_log=False)
    log.info("action server on http://%s:%s (calls need Rasa's token)", args.host, args.port)
    Sanic.serve(primary=app, app_loader=loader)


if __name__ == "__main__":
    main()
