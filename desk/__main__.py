"""`python -m desk serve` runs the desk; `python -m desk agents add|list|password|disable|enable` manages accounts.

    python -m desk agents add --email lin@store.example --name Lin --role agent   # asks for the password
    DESK_ADMIN_EMAIL=... DESK_ADMIN_PASSWORD=... python -m desk serve           # creates the first admin once
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys

from aiohttp import web

from desk import accounts, config
from desk.app import make_app
from desk.db import connect
from desk.state import Settings
from shop.datadir import require_writable, secret_file
from shop.redact import install_log_redaction
from shop.secrets import require_secrets, shared_secret


def settings() -> Settings:
    return Settings(
        database_url=config.DATABASE_URL, rasa_url=config.RASA_URL, knowledge_url=config.KNOWLEDGE_URL,
        events_url=config.EVENTS_URL, events_queue=config.EVENTS_QUEUE, store_data_dir=config.STORE_DATA_DIR,
        open_hours=config.OPEN_HOURS,
        service_token=shared_secret("DESK_SERVICE_TOKEN", config.SERVICE_TOKEN_FILE),
        secret_key=shared_secret("DESK_SECRET_KEY", config.SECRET_KEY_FILE),
        rasa_token=shared_secret("RASA_TOKEN", config.RASA_TOKEN_FILE),
        secure_cookies=config.SECURE_COOKIES, login_attempts=config.LOGIN_ATTEMPTS,
        login_window_s=config.LOGIN_WINDOW_S, online_grace_s=config.ONLINE_GRACE_S, feed_poll_s=config.FEED_POLL_S,
    )


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        sys.exit("the passwords differ")
    return first


def manage(args: argparse.Namespace) -> None:
    engine = connect(config.DATABASE_URL)
    try:
        if args.action == "add":
            agent = accounts.add(engine, args.email, args.name or args.email, _password(args), args.role)
            print(f"added {agent.role} {agent.email} (id {agent.id})")
        elif args.action == "password":
            accounts.set_password(engine, args.email, _password(args))
            print(f"password changed for {args.email}")
        elif args.action in ("disable", "enable"):
            accounts.set_active(engine, args.email, args.action == "enable")
            print(f"{args.email} {args.action}d")
        else:
            for agent, _ in accounts.all_agents(engine):
                print(f"{agent.id}\t{agent.role}\t{agent.email}\t{agent.name}")
    except accounts.AccountError as error:
        sys.exit(str(error))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m desk")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the agent desk")
    serve.add_argument("--host", default=config.HOST)
    serve.add_argument("--port", type=int, default=config.PORT)
    agents = sub.add_parser("agents", help="manage agent accounts")
    agents.add_argument("action", choices=["add", "list", "password", "disable", "enable"])
    agents.add_argument("--email")
    agents.add_argument("--name")
    agents.add_argument("--role", default="agent", choices=accounts.ROLES)
    agents.add_argument("--password-stdin", action="store_true", help="read the password from the first stdin line")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s desk %(levelname)s %(message)s")
    install_log_redaction()  # no card number, e-mail or phone number in the logs
    if args.command == "agents":
        if args.action != "list" and not args.email:
            parser.error("--email is required")
        manage(args)
        return
    require_secrets("desk")  # TIDEPOOL_PROFILE=production: from the environment, else a clear exit
    require_writable("desk", [config.DATABASE_URL, secret_file("DESK_SECRET_KEY", config.SECRET_KEY_FILE),
                              secret_file("DESK_SERVICE_TOKEN", config.SERVICE_TOKEN_FILE),
                              secret_file("RASA_TOKEN", config.RASA_TOKEN_FILE)])
    app_settings = settings()
    admin = accounts.ensure_admin(connect(app_settings.database_url), os.environ.get("DESK_ADMIN_EMAIL", ""),
                                  os.environ.get("DESK_ADMIN_PASSWORD", ""))
    if admin:
        logging.info("admin account: %s", admin.email)
    # handler_cancellation: a closed desk page ends its live stream at once, so the agent is offline at once.
    web.run_app(make_app(app_settings), host=args.host, port=args.port, access_log=None, handler_cancellation=True,
                print=lambda *_: logging.info("agent desk on http://%s:%s", args.host, args.port))


if __name__ == "__main__":
    main()
