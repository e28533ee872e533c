"""The installed version of hhlif."""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hhlif")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"
