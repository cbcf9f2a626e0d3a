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
}
