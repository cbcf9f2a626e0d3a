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
  description = "Bucket holding the access logs (ALB, S3)."
  value       = module.s3.log_bucket_id
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies."
  value       = module.monitoring.sns_topic_arn
}
