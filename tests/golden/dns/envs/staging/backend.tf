# State of the staging environment: one key per environment in one encrypted bucket,
# locked with an S3 lock file (Terraform >= 1.10). `tfgen bootstrap --env staging` creates the bucket.
terraform {
  backend "s3" {
    bucket       = "news-tfstate"
    key          = "staging/terraform.tfstate"
    region       = "eu-west-3"
    encrypt      = true
    use_lockfile = true
  }
}
