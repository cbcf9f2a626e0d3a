# blog / dev (profile low-power).
# Values resolved from the spec: defaults < base < profile < environment overrides.
tags = {
  App         = "blog"
  Environment = "dev"
  Profile     = "low-power"
  ManagedBy   = "tfgen"
  owner       = "platform"
}

az_count = 2

network = {
  cidr                    = "10.1.0.0/16"
  public_subnets          = ["10.1.0.0/21", "10.1.8.0/21"]
  private_subnets         = ["10.1.64.0/21", "10.1.72.0/21"]
  database_subnets        = ["10.1.128.0/21", "10.1.136.0/21"]
  cache_subnets           = ["10.1.192.0/21", "10.1.200.0/21"]
  single_nat_gateway      = true
  flow_log_retention_days = 365
  flow_log_traffic_type   = "REJECT"
  interface_endpoints     = []
  app_port                = 8080
  database_port           = 5432
  cache_port              = 6379
}

load_balancer = {
  certificate_arn     = "arn:aws:acm:eu-central-1:111122223333:certificate/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
  domain_names        = ["blog.example.org"]
  health_check_path   = "/health"
  access_logs         = true
  waf_web_acl_arn     = null
  idle_timeout        = 60
  deletion_protection = false
}

app = {
  ami                       = "ami-0123456789abcdef0"
  ami_owners                = ["self", "amazon"]
  instance_type             = "t3.micro"
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
  instance_class              = "db.t4g.micro"
  allocated_storage           = 20
  max_allocated_storage       = 100
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
  connections_alarm_threshold = 80
  memory_alarm_threshold      = 107374182
}

cache = {
  engine_version          = "7.1"
  node_type               = "cache.t4g.micro"
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
  aliases               = []
  certificate_arn       = null
  price_class           = "PriceClass_100"
  waf_web_acl_arn       = null
  hsts_preload          = false
  dynamic_paths         = []
  alb_domain_name       = null
  lock_origin           = false
  origin_header_version = 1
}

monitoring = {
  alarm_email        = "alerts@example.org"
  monthly_budget_usd = null
  budget_cost_filters = {
    TagKeyValue = ["user:Environment$dev"]
  }
  log_retention_days = 365
  error_rate_percent = 5
}
