"""scambot: warns people about study and work offers in Russia that turn into army contracts."""

__version__ = "0.1.0"
