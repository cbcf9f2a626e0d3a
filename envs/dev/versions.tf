terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
}

provider "aws" {
  region = "eu-west-1"

  # Credentials of any other account fail before anything is read or changed.
  allowed_account_ids = ["123456789012"]

  # Every resource gets these tags, including the ones modules create.
  default_tags {
    tags = var.tags
  }
}
