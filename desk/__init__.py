"""The agent desk: people take over conversations the bot hands off (an aiohttp app, `python -m desk serve`)."""
