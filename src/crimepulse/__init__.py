"""crimepulse: track crime in a city and publish an honest public snapshot of it."""

__version__ = "0.1.0"
