variable "tags" {
  description = "Tags on every resource (the provider's default_tags)."
  type        = map(string)
}

variable "az_count" {
  description = "Number of availability zones to spread over."
  type        = number

  validation {
    condition     = var.az_count >= 1 && var.az_count <= 6
    error_message = "az_count must be between 1 and 6."
  }
}

variable "network" {
  description = "The VPC: CIDR, subnet CIDRs per tier (one per AZ), NAT strategy, flow log retention and traffic (REJECT or ALL), and the ports the security groups open between tiers."
  type = object({
    cidr                    = string
    public_subnets          = list(string)
    private_subnets         = list(string)
    database_subnets        = list(string)
    cache_subnets           = list(string)
    single_nat_gateway      = bool
    flow_log_retention_days = number
    flow_log_traffic_type   = string
    interface_endpoints     = list(string)
    app_port                = number
  })
}

variable "load_balancer" {
  description = "The public load balancer: ACM certificate, served names, health check path, access logs, optional WAF, idle timeout, deletion protection, and whether only CloudFront's requests are forwarded (origin_lock)."
  type = object({
    certificate_arn     = string
    domain_names        = list(string)
    health_check_path   = string
    access_logs         = bool
    waf_web_acl_arn     = optional(string)
    idle_timeout        = number
    deletion_protection = bool
  })
}

variable "app" {
  description = "The app tier: AMI and its owners, instance type, group sizes, CPU target, port, extra IAM policies, root volume, health check grace period, log retention, the log files the CloudWatch agent ships."
  type = object({
    ami                       = string
    ami_owners                = list(string)
    instance_type             = string
    min_size                  = number
    desired_capacity          = number
    max_size                  = number
    cpu_target                = number
    port                      = number
    iam_policy_arns           = list(string)
    root_volume_size          = number
    health_check_grace_period = number
    log_retention_days        = number
    log_files                 = list(string)
  })
}

variable "monitoring" {
  description = "Alarms and cost: email for alarms and budget alerts, monthly budget in USD (null for none) and what it measures (cost filters), log retention in days, the 5xx error rate (percent) the error-rate alarms fire at."
  type = object({
    alarm_email         = string
    monthly_budget_usd  = number
    budget_cost_filters = map(list(string))
    log_retention_days  = number
    error_rate_percent  = number
  })
}
