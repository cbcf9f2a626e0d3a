"""tfgen's offline twin of the hashicorp/aws and hashicorp/random Terraform providers."""
