"""tfgen's checkov policies; checkov loads Python checks only from a folder with this file."""
