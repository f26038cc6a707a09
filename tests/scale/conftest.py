"""tests/scale/: the scale-out profile (PostgreSQL, Redis, RabbitMQ; bot/endpoints.scale.yml). `-m scale` selects it."""


def pytest_configure(config):
    config.addinivalue_line("markers", "scale: runs on the local PostgreSQL, Redis and RabbitMQ (scale-out profile)")
