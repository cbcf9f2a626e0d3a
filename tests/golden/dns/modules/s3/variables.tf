variable "name" {
  description = "Name prefix of every resource, <app>-<environment>."
  type        = string
}

variable "tags" {
  description = "Tags for every resource (the same as the provider's default_tags, repeated so scanners see them)."
  type        = map(string)
  default     = {}
}

variable "log_expiration_days" {
  description = "Days the log bucket keeps access logs (ALB, S3 server access, CloudFront) before they expire."
  type        = number

  validation {
    condition     = var.log_expiration_days >= 1
    error_message = "log_expiration_days must be at least 1."
  }
}

variable "static_versioning" {
  description = "Keep every version of the static files (true) or suspend versioning (false)."
  type        = bool
  default     = true
}

variable "static_noncurrent_version_expiration_days" {
  description = "Days a replaced or deleted static file version is kept before it expires."
  type        = number
  default     = 90

  validation {
    condition     = var.static_noncurrent_version_expiration_days >= 1
    error_message = "static_noncurrent_version_expiration_days must be at least 1."
  }
}

variable "cloudfront_distribution_arn" {
  description = "ARN of the CloudFront distribution that reads the static bucket through its origin access control; null when there is none."
  type        = string
  default     = null
}
