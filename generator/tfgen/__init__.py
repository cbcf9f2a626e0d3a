"""tfgen: a YAML app spec in, a production-grade Terraform project for AWS out."""

__version__ = "0.1.0"
HOMEPAGE = "https://github.com/tfgen-dev/tfgen"
"""Where tfgen lives: generated READMEs and SARIF help links point here."""

__all__ = ["HOMEPAGE", "__version__"]
