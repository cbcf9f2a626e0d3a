output "vpc_id" {
  description = "ID of the VPC."
  value       = module.vpc.vpc_id
}

output "nat_public_ips" {
  description = "Egress IPs of the app (NAT gateways)."
  value       = module.vpc.nat_public_ips
}

output "lb_dns_name" {
  description = "DNS name of the load balancer: point the app's domain names at it (CNAME or Route 53 alias)."
  value       = module.alb.lb_dns_name
}

output "lb_zone_id" {
  description = "Route 53 hosted zone ID of the load balancer, for alias records."
  value       = module.alb.lb_zone_id
}

output "domain_names" {
  description = "Names the app serves; each needs a DNS record pointing at lb_dns_name."
  value       = var.load_balancer.domain_names
}

output "autoscaling_group_name" {
  description = "Name of the app's Auto Scaling group (start a Session Manager shell on one of its instances: no SSH)."
  value       = module.asg.autoscaling_group_name
}

output "app_log_group_name" {
  description = "CloudWatch log group for the app's logs."
  value       = module.asg.log_group_name
}

output "log_bucket_id" {
  description = "Bucket holding the access logs (ALB, S3, CloudFront)."
  value       = module.s3.log_bucket_id
}

output "static_bucket_id" {
  description = "Bucket for the static files (served by CloudFront)."
  value       = module.s3.static_bucket_id
}

output "cloudfront_distribution_id" {
  description = "CloudFront distribution ID (for cache invalidations after a deploy)."
  value       = module.cloudfront.distribution_id
}

output "cloudfront_domain_name" {
  description = "CloudFront domain name: point the CDN aliases (CNAME or Route 53 alias) at it."
  value       = module.cloudfront.domain_name
}

output "dns_zone_id" {
  description = "Route 53 hosted zone holding the app's records."
  value       = module.dns.zone_id
}

output "dns_record_names" {
  description = "Names the zone points at the load balancer (A) and CloudFront (A and AAAA)."
  value       = module.dns.record_names
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies (the alarm email must confirm its subscription)."
  value       = module.monitoring.sns_topic_arn
}
