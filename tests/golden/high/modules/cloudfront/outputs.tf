output "distribution_id" {
  description = "ID of the CloudFront distribution (for cache invalidations)."
  value       = aws_cloudfront_distribution.this.id
}

output "distribution_arn" {
  description = "ARN of the CloudFront distribution."
  value       = aws_cloudfront_distribution.this.arn
}

output "domain_name" {
  description = "Domain name of the distribution (*.cloudfront.net); point the aliases at it."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "hosted_zone_id" {
  description = "Route 53 zone ID of the distribution, for alias records."
  value       = aws_cloudfront_distribution.this.hosted_zone_id
}

output "origin_header_name" {
  description = "Name of the header CloudFront adds to its requests to the load balancer (with lock_origin)."
  value       = local.origin_header_name
}

output "origin_header_value" {
  description = "Value of that header, for the load balancer's listener rule (null without lock_origin)."
  value       = var.lock_origin ? random_password.origin_header[0].result : null
  sensitive   = true
}

output "origin_header_secret_arn" {
  description = "Secrets Manager secret holding the origin header value (null without lock_origin)."
  value       = var.lock_origin ? aws_secretsmanager_secret.origin_header[0].arn : null
}
