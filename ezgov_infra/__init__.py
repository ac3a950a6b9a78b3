"""ezgov-infra: the e-government extranet toolkit."""

__version__ = "0.1.0"
