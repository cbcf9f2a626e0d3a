# State of the prod environment: one key per environment in one encrypted bucket,
# locked with an S3 lock file (Terraform >= 1.10). `tfgen bootstrap --env prod` creates the bucket.
terraform {
  backend "s3" {
    bucket       = "news-tfstate"
    key          = "prod/terraform.tfstate"
    region       = "eu-west-3"
    encrypt      = true
    use_lockfile = true
  }
}
