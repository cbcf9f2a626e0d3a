# crm / staging (profile low-power).
# Values resolved from the spec: defaults < base < profile < environment overrides.
tags = {
  App         = "crm"
  Environment = "staging"
  Profile     = "low-power"
  ManagedBy   = "tfgen"
}

az_count = 2

network = {
  cidr                    = "10.0.0.0/16"
  public_subnets          = ["10.0.0.0/21", "10.0.8.0/21"]
  private_subnets         = ["10.0.64.0/21", "10.0.72.0/21"]
  database_subnets        = ["10.0.128.0/21", "10.0.136.0/21"]
  cache_subnets           = ["10.0.192.0/21", "10.0.200.0/21"]
  single_nat_gateway      = true
  flow_log_retention_days = 365
  flow_log_traffic_type   = "REJECT"
  interface_endpoints     = []
  app_port                = 8080
  database_port           = 3306
}

load_balancer = {
  certificate_arn     = "arn:aws:acm:ap-southeast-2:111122223333:certificate/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
  domain_names        = []
  health_check_path   = "/health"
  access_logs         = true
  waf_web_acl_arn     = null
  idle_timeout        = 60
  deletion_protection = false
}

app = {
  ami                       = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
  ami_owners                = ["amazon"]
  instance_type             = "t3.medium"
  min_size                  = 1
  desired_capacity          = 1
  max_size                  = 2
  cpu_target                = 50
  port                      = 8080
  iam_policy_arns           = []
  root_volume_size          = 20
  health_check_grace_period = 300
  log_retention_days        = 365
  log_files                 = ["/var/log/crm/*.log", "/var/log/crm/audit.json"]
}

database = {
  engine_version              = "8.4"
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
  performance_insights        = false
  log_retention_days          = 365
  connections_alarm_threshold = 60
  memory_alarm_threshold      = 107374182
}

static = {
  versioning                         = true
  noncurrent_version_expiration_days = 90
}

monitoring = {
  alarm_email        = null
  monthly_budget_usd = null
  budget_cost_filters = {
    TagKeyValue = ["user:Environment$staging"]
  }
  log_retention_days = 365
  error_rate_percent = 5
}
