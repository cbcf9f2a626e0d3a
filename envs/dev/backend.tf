# State of the dev environment: one key per environment in one encrypted bucket,
# locked with an S3 lock file (Terraform >= 1.10). `tfgen bootstrap --env dev` creates the bucket.
terraform {
  backend "s3" {
    bucket       = "shop-tfstate"
    key          = "dev/terraform.tfstate"
    region       = "eu-west-1"
    encrypt      = true
    use_lockfile = true

    allowed_account_ids = ["123456789012"]
  }
}
