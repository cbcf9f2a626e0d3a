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
    alb_cloudfront_only     = bool
    database_port           = number
    cache_port              = number
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
    origin_lock         = bool
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

variable "cache" {
  description = "The ElastiCache replication group: version, node type, replicas, failover, snapshots, AUTH token version, log retention."
  type = object({
    engine_version          = string
    node_type               = string
    replicas                = number
    automatic_failover      = bool
    snapshot_retention_days = number
    auth_token_version      = number
    log_retention_days      = number
  })
}

variable "static" {
  description = "The static files bucket: versioning, and days old versions are kept."
  type = object({
    versioning                         = bool
    noncurrent_version_expiration_days = number
  })
}

variable "cdn" {
  description = "CloudFront: aliases and their us-east-1 certificate, price class, WAF web ACL, HSTS preload, the paths sent to the load balancer (by its domain name), and whether CloudFront is the load balancer's only way in (lock_origin, with the origin header's version)."
  type = object({
    aliases               = list(string)
    certificate_arn       = string
    price_class           = string
    waf_web_acl_arn       = string
    hsts_preload          = bool
    dynamic_paths         = list(string)
    alb_domain_name       = string
    lock_origin           = bool
    origin_header_version = number
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

variable "backup" {
  description = "AWS Backup: schedule and retention, the copy region (and a second account's vault), Vault Lock, what is backed up, the restore test."
  type = object({
    schedule                = string
    retention_days          = number
    copy_region             = string
    copy_vault_arn          = string
    lock_mode               = string
    lock_min_retention_days = number
    lock_max_retention_days = number
    lock_changeable_days    = number
    break_glass_principals  = list(string)
    database                = bool
    static_bucket           = bool
    restore_testing         = bool
    restore_test_schedule   = string
  })
}
