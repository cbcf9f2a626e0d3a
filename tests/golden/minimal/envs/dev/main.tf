# mini / dev: profile low-power. Rendered by tfgen; edit the spec, not this file.

locals {
  name = "mini-dev"
  # Zone names pinned at render time from tfgen's region table (not a `state = available`
  # lookup): an impaired zone never shifts the subnets to other zones.
  azs = slice(["us-east-2a", "us-east-2b", "us-east-2c"], 0, var.az_count)
}

module "vpc" {
  source = "../../modules/vpc"

  name                    = local.name
  cidr                    = var.network.cidr
  azs                     = local.azs
  public_subnets          = var.network.public_subnets
  private_subnets         = var.network.private_subnets
  database_subnets        = var.network.database_subnets
  cache_subnets           = var.network.cache_subnets
  single_nat_gateway      = var.network.single_nat_gateway
  flow_log_retention_days = var.network.flow_log_retention_days
  flow_log_traffic_type   = var.network.flow_log_traffic_type
  interface_endpoints     = var.network.interface_endpoints
  app_port                = var.network.app_port
  alarm_topic_arn         = module.monitoring.sns_topic_arn
}

module "alb" {
  source = "../../modules/alb"

  name                  = local.name
  tags                  = var.tags
  vpc_id                = module.vpc.vpc_id
  subnet_ids            = module.vpc.public_subnet_ids
  security_group_id     = module.vpc.alb_security_group_id
  certificate_arn       = var.load_balancer.certificate_arn
  host_names            = var.load_balancer.domain_names
  app_port              = var.app.port
  health_check_path     = var.load_balancer.health_check_path
  idle_timeout          = var.load_balancer.idle_timeout
  deletion_protection   = var.load_balancer.deletion_protection
  access_logs_enabled   = var.load_balancer.access_logs
  access_logs_bucket_id = module.s3.log_bucket_id
  waf_web_acl_arn       = var.load_balancer.waf_web_acl_arn
  alarm_topic_arn       = module.monitoring.sns_topic_arn
  error_rate_percent    = var.monitoring.error_rate_percent
}

module "asg" {
  source = "../../modules/asg"

  name                      = local.name
  tags                      = var.tags
  subnet_ids                = module.vpc.private_subnet_ids
  security_group_id         = module.vpc.app_security_group_id
  target_group_arns         = [module.alb.target_group_arn]
  ami                       = var.app.ami
  ami_owners                = var.app.ami_owners
  instance_type             = var.app.instance_type
  min_size                  = var.app.min_size
  desired_capacity          = var.app.desired_capacity
  max_size                  = var.app.max_size
  cpu_target                = var.app.cpu_target
  health_check_grace_period = var.app.health_check_grace_period
  root_volume_size          = var.app.root_volume_size
  iam_policy_arns           = var.app.iam_policy_arns
  log_retention_days        = var.app.log_retention_days
  log_files                 = var.app.log_files
  alarm_topic_arn           = module.monitoring.sns_topic_arn

  # What the app is told at boot (/etc/app.env): endpoints and secret ARNs, never secrets.
  app_environment = {
    APP_PORT = tostring(var.app.port)
  }
  secret_arns = []
}

# Access logs of every part of the app are kept as long as its CloudWatch logs (monitoring.log_retention_days).
module "s3" {
  source = "../../modules/s3"

  name                = local.name
  tags                = var.tags
  log_expiration_days = var.monitoring.log_retention_days
}

module "monitoring" {
  source = "../../modules/monitoring"

  name                = local.name
  tags                = var.tags
  alarm_email         = var.monitoring.alarm_email
  monthly_budget_usd  = var.monitoring.monthly_budget_usd
  budget_cost_filters = var.monitoring.budget_cost_filters

  # The environment's dashboard graphs the tiers it has.
  dashboard = {
    lb_arn_suffix           = module.alb.lb_arn_suffix
    target_group_arn_suffix = module.alb.target_group_arn_suffix
    autoscaling_group_name  = module.asg.autoscaling_group_name
    nat_gateway_ids         = module.vpc.nat_gateway_ids
  }
}
