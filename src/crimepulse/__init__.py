"""crimepulse: track crime in a city and publish an honest public snapshot of it."""

from crimepulse.api import Crimepulse, open

__version__ = "0.1.0"
__all__ = ["Crimepulse", "__version__", "open"]
