# State of the test environment: one key per environment in one encrypted bucket,
# locked with an S3 lock file (Terraform >= 1.10). `tfgen bootstrap --env test` creates the bucket.
terraform {
  backend "s3" {
    bucket       = "blog-tfstate"
    key          = "test/terraform.tfstate"
    region       = "eu-central-1"
    encrypt      = true
    use_lockfile = true
  }
}
