# State of the prod environment: one key per environment in one encrypted bucket,
# locked with an S3 lock file (Terraform >= 1.10). `tfgen bootstrap --env prod` creates the bucket.
terraform {
  backend "s3" {
    bucket       = "shop-tfstate"
    key          = "prod/terraform.tfstate"
    region       = "eu-west-1"
    encrypt      = true
    use_lockfile = true

    allowed_account_ids = ["123456789012"]

    assume_role = {
      role_arn     = "arn:aws:iam::123456789012:role/shop-deploy"
      session_name = "tfgen-prod"
    }
  }
}
