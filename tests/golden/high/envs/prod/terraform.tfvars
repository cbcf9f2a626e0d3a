# store / prod (profile high-power, protected).
# Values resolved from the spec: defaults < base < profile < environment overrides.
tags = {
  App         = "store"
  Environment = "prod"
  Profile     = "high-power"
  ManagedBy   = "tfgen"
}

az_count = 3

network = {
  cidr                    = "10.50.0.0/16"
  public_subnets          = ["10.50.0.0/21", "10.50.8.0/21", "10.50.16.0/21"]
  private_subnets         = ["10.50.64.0/21", "10.50.72.0/21", "10.50.80.0/21"]
  database_subnets        = ["10.50.128.0/21", "10.50.136.0/21", "10.50.144.0/21"]
  cache_subnets           = ["10.50.192.0/21", "10.50.200.0/21", "10.50.208.0/21"]
  single_nat_gateway      = false
  flow_log_retention_days = 365
  flow_log_traffic_type   = "ALL"
  interface_endpoints     = ["ssm", "ssmmessages", "ec2messages", "secretsmanager", "logs", "kms"]
  app_port                = 3000
  alb_cloudfront_only     = true
  database_port           = 5432
  cache_port              = 6379
}

load_balancer = {
  certificate_arn     = "arn:aws:acm:us-west-2:111122223333:certificate/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
  domain_names        = ["store.example.com", "www.store.example.com"]
  health_check_path   = "/status"
  access_logs         = true
  waf_web_acl_arn     = "arn:aws:wafv2:us-west-2:111122223333:regional/webacl/store/abcd1234"
  idle_timeout        = 60
  deletion_protection = true
  origin_lock         = true
}

app = {
  ami                       = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
  ami_owners                = ["amazon"]
  instance_type             = "m7g.large"
  min_size                  = 3
  desired_capacity          = 3
  max_size                  = 9
  cpu_target                = 60
  port                      = 3000
  iam_policy_arns           = ["arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"]
  root_volume_size          = 20
  health_check_grace_period = 300
  log_retention_days        = 365
  log_files                 = ["/var/log/app/*.log"]
}

database = {
  engine_version              = "16"
  allow_major_version_upgrade = false
  instance_class              = "db.r7g.large"
  allocated_storage           = 100
  max_allocated_storage       = 1000
  db_name                     = "app"
  username                    = "app_admin"
  iam_user                    = "app"
  multi_az                    = true
  read_replicas               = 2
  backup_retention_days       = 30
  backup_window               = "03:00-04:00"
  maintenance_window          = "sun:04:30-sun:05:30"
  deletion_protection         = true
  skip_final_snapshot         = false
  performance_insights        = true
  log_retention_days          = 365
  connections_alarm_threshold = 1297
  memory_alarm_threshold      = 1717986918
}

cache = {
  engine_version          = "8.0"
  node_type               = "cache.r7g.large"
  replicas                = 2
  automatic_failover      = true
  snapshot_retention_days = 7
  auth_token_version      = 1
  log_retention_days      = 365
}

static = {
  versioning                         = true
  noncurrent_version_expiration_days = 365
}

cdn = {
  aliases               = ["cdn.store.example.com"]
  certificate_arn       = "arn:aws:acm:us-east-1:111122223333:certificate/ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee"
  price_class           = "PriceClass_All"
  waf_web_acl_arn       = null
  hsts_preload          = false
  dynamic_paths         = ["/api/*", "/cart/*"]
  alb_domain_name       = "store.example.com"
  lock_origin           = true
  origin_header_version = 1
}

monitoring = {
  alarm_email        = "oncall@store.example.com"
  monthly_budget_usd = 2500
  budget_cost_filters = {
    TagKeyValue = ["user:Environment$prod"]
  }
  log_retention_days = 365
  error_rate_percent = 1
}

backup = {
  schedule                = "cron(0 5 * * ? *)"
  retention_days          = 90
  copy_region             = "us-east-1"
  copy_vault_arn          = "arn:aws:backup:us-east-1:444455556666:backup-vault:store-offsite"
  lock_mode               = "compliance"
  lock_min_retention_days = 30
  lock_max_retention_days = 365
  lock_changeable_days    = 3
  break_glass_principals  = ["arn:aws:iam::111122223333:role/security-admin"]
  database                = true
  static_bucket           = true
  restore_testing         = true
  restore_test_schedule   = "cron(0 6 ? * SAT *)"
}
