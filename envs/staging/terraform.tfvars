# shop / staging (profile low-power).
# Values resolved from the spec: defaults < base < profile < environment overrides.
tags = {
  App         = "shop"
  Environment = "staging"
  Profile     = "low-power"
  ManagedBy   = "tfgen"
  team        = "web"
  cost-center = "4021"
}

az_count = 3

network = {
  cidr                    = "10.20.0.0/16"
  public_subnets          = ["10.20.0.0/21", "10.20.8.0/21", "10.20.16.0/21"]
  private_subnets         = ["10.20.64.0/21", "10.20.72.0/21", "10.20.80.0/21"]
  database_subnets        = ["10.20.128.0/21", "10.20.136.0/21", "10.20.144.0/21"]
  cache_subnets           = ["10.20.192.0/21", "10.20.200.0/21", "10.20.208.0/21"]
  single_nat_gateway      = true
  flow_log_retention_days = 365
  flow_log_traffic_type   = "REJECT"
  interface_endpoints     = []
  app_port                = 8080
  alb_cloudfront_only     = true
  database_port           = 5432
  cache_port              = 6379
}

load_balancer = {
  certificate_arn     = "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
  domain_names        = ["shop.example.com"]
  health_check_path   = "/healthz"
  access_logs         = true
  waf_web_acl_arn     = null
  idle_timeout        = 60
  deletion_protection = false
  origin_lock         = true
}

app = {
  ami                       = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
  ami_owners                = ["amazon"]
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

database = {
  engine_version              = "17"
  allow_major_version_upgrade = false
  instance_class              = "db.t4g.small"
  allocated_storage           = 20
  max_allocated_storage       = 200
  db_name                     = "app"
  username                    = "app_admin"
  iam_user                    = "app"
  multi_az                    = false
  read_replicas               = 0
  backup_retention_days       = 7
  backup_window               = "03:00-04:00"
  maintenance_window          = "sun:04:30-sun:05:30"
  deletion_protection         = false
  skip_final_snapshot         = true
  performance_insights        = true
  log_retention_days          = 365
  connections_alarm_threshold = 161
  memory_alarm_threshold      = 214748364
}

cache = {
  engine_version          = "8.0"
  node_type               = "cache.t4g.small"
  replicas                = 0
  automatic_failover      = false
  snapshot_retention_days = 1
  auth_token_version      = 1
  log_retention_days      = 365
}

static = {
  versioning                         = true
  noncurrent_version_expiration_days = 90
}

cdn = {
  aliases               = ["static.shop.example.com"]
  certificate_arn       = "arn:aws:acm:us-east-1:123456789012:certificate/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d"
  price_class           = "PriceClass_100"
  waf_web_acl_arn       = null
  hsts_preload          = false
  dynamic_paths         = ["/api/*"]
  alb_domain_name       = "shop.example.com"
  lock_origin           = true
  origin_header_version = 1
}

monitoring = {
  alarm_email        = "ops@example.com"
  monthly_budget_usd = 500
  budget_cost_filters = {
    TagKeyValue = ["user:Environment$staging"]
  }
  log_retention_days = 365
  error_rate_percent = 5
}
