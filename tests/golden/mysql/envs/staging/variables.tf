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
    database_port           = number
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

variable "database" {
  description = "The RDS database: version, class, storage, HA (Multi-AZ, read replicas), backups, protection, monitoring."
  type = object({
    engine_version              = string
    allow_major_version_upgrade = bool
    instance_class              = string
    allocated_storage           = number
    max_allocated_storage       = number
    db_name                     = string
    username                    = string
    iam_user                    = string
    multi_az                    = bool
    read_replicas               = number
    backup_retention_days       = number
    backup_window               = string
    maintenance_window          = string
    deletion_protection         = bool
    skip_final_snapshot         = bool
    performance_insights        = bool
    log_retention_days          = number
    connections_alarm_threshold = number
    memory_alarm_threshold      = number
  })
}

variable "static" {
  description = "The static files bucket: versioning, and days old versions are kept."
  type = object({
    versioning                         = bool
    noncurrent_version_expiration_days = number
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
