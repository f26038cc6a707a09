"""Stand-ins for the messaging platforms (one module each), built on `base.PlatformDouble`."""
