output "zone_id" {
  description = "ID of the Route 53 hosted zone holding the records."
  value       = local.zone_id
}

output "alb_certificate_arn" {
  description = "ARN of the validated certificate issued for the load balancer, or null when the spec gives one."
  value       = try(aws_acm_certificate_validation.this["alb"].certificate_arn, null)
}

output "cdn_certificate_arn" {
  description = "ARN of the validated us-east-1 certificate issued for CloudFront, or null when none is issued."
  value       = try(aws_acm_certificate_validation.this["cdn"].certificate_arn, null)
}

output "record_names" {
  description = "Names the zone points at the load balancer and the distribution."
  value = sort(distinct(concat(
    [for r in aws_route53_record.alb : r.name],
    [for r in aws_route53_record.cdn : r.name],
  )))
}
