variable "name" {
  description = "Name prefix of every resource, <app>-<environment>; also the load balancer's name (at most 32 characters)."
  type        = string

  validation {
    condition     = length(var.name) <= 32
    error_message = "name must be at most 32 characters (ALB names)."
  }
}

variable "tags" {
  description = "Tags for every resource (the same as the provider's default_tags, repeated so scanners see them)."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "ID of the VPC the target group lives in."
  type        = string
}

variable "subnet_ids" {
  description = "Public subnets the load balancer is placed in, one per AZ (at least two for an ALB)."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the load balancer (from the vpc module: 80/443 in, app port out to the app tier)."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate ARN, in the load balancer's region, for the HTTPS listener."
  type        = string
}

variable "host_names" {
  description = "Host names the HTTPS listener forwards to the app (the domain names; CloudFront sends the first as the origin's Host); any other Host gets a fixed 404. Empty: every request is forwarded."
  type        = list(string)
  default     = []
}

variable "app_port" {
  description = "Port the app instances listen on (target group port)."
  type        = number
}

variable "health_check_path" {
  description = "Path the target group health check requests; it must answer 200."
  type        = string
}

variable "idle_timeout" {
  description = "Seconds a connection may stay idle before the load balancer closes it."
  type        = number
  default     = 60
}

variable "deletion_protection" {
  description = "Refuse to delete the load balancer through the API (turn off before a destroy)."
  type        = bool
}

variable "access_logs_enabled" {
  description = "Write access logs to access_logs_bucket_id."
  type        = bool
  default     = true
}

variable "access_logs_bucket_id" {
  description = "Name of the S3 bucket for access logs; its policy must let ELB log delivery write under the alb/ prefix."
  type        = string
}

variable "waf_web_acl_arn" {
  description = "ARN of a REGIONAL WAFv2 web ACL to associate with the load balancer; null for none."
  type        = string
  default     = null
}

variable "alarm_topic_arn" {
  description = "SNS topic the CloudWatch alarms notify (alarm and OK)."
  type        = string
}

variable "error_rate_percent" {
  description = "5xx responses (load balancer and app) per 100 requests over 5 minutes at which the error-rate alarm fires."
  type        = number

  validation {
    condition     = var.error_rate_percent > 0 && var.error_rate_percent <= 100
    error_message = "error_rate_percent must be above 0 and at most 100."
  }
}

variable "error_rate_min_requests" {
  description = "Requests in 5 minutes below which the error-rate alarm stays OK (a handful of requests is no rate)."
  type        = number
  default     = 50
}
