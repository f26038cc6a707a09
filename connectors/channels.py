"""`python -m connectors.channels` (in the Rasa venv): which messaging-app channels are on, and what an off one lacks.

A channel is on when its required secrets are set in the environment (see docs/connectors/<platform>.md).
`make run` prints this before starting the servers.
"""

from __future__ import annotations

import importlib
import os

# each module has ENVIRONMENT ({setting: ENV_VAR}) and REQUIRED (the settings without which it is off)
CHANNELS = ("telegram", "whatsapp", "messenger", "slack", "wechat")


def status() -> dict[str, list[str]]:
    """{platform: the environment variables it still needs} ([] when it is on)."""
    out = {}
    for platform in CHANNELS:
        module = importlib.import_module(f"connectors.{platform}")
        names = module.ENVIRONMENT
        out[platform] = [names[key] for key in module.REQUIRED if not os.environ.get(names[key], "").strip()]
    return out


def main() -> None:
    for platform, lacking in status().items():
        state = "on " if not lacking else "off"
        detail = f"webhook /webhooks/{platform}/webhook" if not lacking else "set " + ", ".join(lacking)
        print(f"    {platform:<9} {state}  {detail}")


if __name__ == "__main__":
    main()
