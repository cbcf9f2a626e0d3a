output "log_bucket_id" {
  description = "Name of the log bucket. Read through the bucket policy, so a load balancer using it waits until ELB may deliver logs."
  value       = aws_s3_bucket_policy.log.bucket
}

output "log_bucket_arn" {
  description = "ARN of the log bucket."
  value       = aws_s3_bucket.log.arn
}

output "log_bucket_domain_name" {
  description = "Domain name of the log bucket (<bucket>.s3.amazonaws.com), the form CloudFront standard logging takes."
  value       = aws_s3_bucket.log.bucket_domain_name

  # CloudFront adds its log-delivery ACL grant when the distribution is created: ACLs must be
  # enabled on the bucket by then.
  depends_on = [aws_s3_bucket_ownership_controls.log]
}

output "static_bucket_id" {
  description = "Name of the static files bucket."
  value       = aws_s3_bucket.static.id
}

output "static_bucket_arn" {
  description = "ARN of the static files bucket."
  value       = aws_s3_bucket.static.arn
}

output "static_bucket_regional_domain_name" {
  description = "Regional domain name of the static files bucket (the CloudFront origin)."
  value       = aws_s3_bucket.static.bucket_regional_domain_name
}

output "static_kms_key_arn" {
  description = "ARN of the KMS key encrypting the static bucket; a role that writes files needs kms:GenerateDataKey on it."
  value       = aws_kms_key.static.arn
}
