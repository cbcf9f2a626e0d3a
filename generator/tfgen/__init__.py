"""tfgen: a YAML app spec in, a production-grade Terraform project for AWS out."""

__version__ = "0.1.0"
__all__ = ["__version__"]
