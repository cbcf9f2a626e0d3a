# news / staging (profile low-power).
# Values resolved from the spec: defaults < base < profile < environment overrides.
tags = {
  App         = "news"
  Environment = "staging"
  Profile     = "low-power"
  ManagedBy   = "tfgen"
}

az_count = 2

network = {
  cidr                    = "10.70.0.0/16"
  public_subnets          = ["10.70.0.0/21", "10.70.8.0/21"]
  private_subnets         = ["10.70.64.0/21", "10.70.72.0/21"]
  database_subnets        = ["10.70.128.0/21", "10.70.136.0/21"]
  cache_subnets           = ["10.70.192.0/21", "10.70.200.0/21"]
  single_nat_gateway      = true
  flow_log_retention_days = 365
  flow_log_traffic_type   = "REJECT"
  interface_endpoints     = []
  app_port                = 8080
}

load_balancer = {
  certificate_arn     = null
  domain_names        = ["staging.news.example.net"]
  health_check_path   = "/health"
  access_logs         = true
  waf_web_acl_arn     = null
  idle_timeout        = 60
  deletion_protection = false
}

app = {
  ami                       = "ami-0123456789abcdef0"
  ami_owners                = ["self", "amazon"]
  instance_type             = "t3.small"
  min_size                  = 1
  desired_capacity          = 1
  max_size                  = 2
  cpu_target                = 50
  port                      = 8080
  iam_policy_arns           = []
  root_volume_size          = 20
  health_check_grace_period = 300
  log_retention_days        = 365
  log_files                 = ["/var/log/app/*.log"]
}

static = {
  versioning                         = true
  noncurrent_version_expiration_days = 90
}

cdn = {
  aliases               = ["static.staging.news.example.net"]
  certificate_arn       = null
  price_class           = "PriceClass_100"
  waf_web_acl_arn       = null
  hsts_preload          = false
  dynamic_paths         = ["/api/*"]
  alb_domain_name       = "staging.news.example.net"
  lock_origin           = false
  origin_header_version = 1
}

dns = {
  zone_id               = "Z0123456789STAGING01"
  zone_name             = null
  alb_certificate_names = ["staging.news.example.net"]
  alb_record_names      = ["staging.news.example.net"]
  cdn_certificate_names = ["static.staging.news.example.net"]
  cdn_record_names      = ["static.staging.news.example.net"]
}

monitoring = {
  alarm_email        = "oncall@example.net"
  monthly_budget_usd = null
  budget_cost_filters = {
    TagKeyValue = ["user:Environment$staging"]
  }
  log_retention_days = 365
  error_rate_percent = 5
}
