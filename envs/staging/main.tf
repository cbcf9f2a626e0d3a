# shop / staging: profile low-power. Rendered by tfgen; edit the spec, not this file.

locals {
  name = "shop-staging"
  # Zone names pinned at render time from tfgen's region table (not a `state = available`
  # lookup): an impaired zone never shifts the subnets to other zones.
  azs = slice(["eu-west-1a", "eu-west-1b", "eu-west-1c"], 0, var.az_count)
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
  alb_cloudfront_only     = var.network.alb_cloudfront_only
  database_port           = var.network.database_port
  cache_port              = var.network.cache_port
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

  # Behind CloudFront (cdn.lock_origin): only requests with its secret origin header.
  origin_lock         = var.load_balancer.origin_lock
  origin_header_name  = module.cloudfront.origin_header_name
  origin_header_value = module.cloudfront.origin_header_value
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
  app_environment = merge(
    {
      APP_PORT = tostring(var.app.port)
    },
    {
      DB_HOST       = module.rds.endpoint
      DB_PORT       = tostring(module.rds.port)
      DB_NAME       = var.database.db_name
      DB_SECRET_ARN = module.rds.master_user_secret_arn
      DB_IAM_USER   = var.database.iam_user
    },
    {
      CACHE_HOST       = module.elasticache.primary_endpoint_address
      CACHE_PORT       = tostring(module.elasticache.port)
      CACHE_SECRET_ARN = module.elasticache.auth_token_secret_arn
    },
    {
      STATIC_BUCKET = module.s3.static_bucket_id
    },
  )
  secret_arns = [
    module.rds.master_user_secret_arn,
    module.elasticache.auth_token_secret_arn,
  ]

  db_connect_arns = module.rds.iam_connect_arns

  static_buckets = [{
    arn         = module.s3.static_bucket_arn
    kms_key_arn = module.s3.static_kms_key_arn
  }]
}

module "rds" {
  source = "../../modules/rds"

  name                 = local.name
  tags                 = var.tags
  db_subnet_group_name = module.vpc.database_subnet_group_name
  security_group_id    = module.vpc.database_security_group_id

  engine_version        = var.database.engine_version
  instance_class        = var.database.instance_class
  allocated_storage     = var.database.allocated_storage
  max_allocated_storage = var.database.max_allocated_storage
  db_name               = var.database.db_name
  username              = var.database.username
  iam_user              = var.database.iam_user

  allow_major_version_upgrade = var.database.allow_major_version_upgrade

  multi_az              = var.database.multi_az
  read_replicas         = var.database.read_replicas
  backup_retention_days = var.database.backup_retention_days
  backup_window         = var.database.backup_window
  maintenance_window    = var.database.maintenance_window
  deletion_protection   = var.database.deletion_protection
  skip_final_snapshot   = var.database.skip_final_snapshot

  performance_insights        = var.database.performance_insights
  log_retention_days          = var.database.log_retention_days
  connections_alarm_threshold = var.database.connections_alarm_threshold
  memory_alarm_threshold      = var.database.memory_alarm_threshold
  alarm_topic_arn             = module.monitoring.sns_topic_arn
}

module "elasticache" {
  source = "../../modules/elasticache"

  name              = local.name
  tags              = var.tags
  subnet_group_name = module.vpc.cache_subnet_group_name
  security_group_id = module.vpc.cache_security_group_id

  engine_version          = var.cache.engine_version
  node_type               = var.cache.node_type
  replicas                = var.cache.replicas
  automatic_failover      = var.cache.automatic_failover
  snapshot_retention_days = var.cache.snapshot_retention_days
  auth_token_version      = var.cache.auth_token_version
  log_retention_days      = var.cache.log_retention_days
  alarm_topic_arn         = module.monitoring.sns_topic_arn
}

# Access logs of every part of the app are kept as long as its CloudWatch logs (monitoring.log_retention_days).
module "s3" {
  source = "../../modules/s3"

  name                = local.name
  tags                = var.tags
  log_expiration_days = var.monitoring.log_retention_days

  static_versioning                         = var.static.versioning
  static_noncurrent_version_expiration_days = var.static.noncurrent_version_expiration_days

  # The bucket and key policies let only this distribution read (origin access control).
  cloudfront_distribution_arn = module.cloudfront.distribution_arn
}

module "cloudfront" {
  source = "../../modules/cloudfront"

  name                               = local.name
  tags                               = var.tags
  static_bucket_regional_domain_name = module.s3.static_bucket_regional_domain_name
  log_bucket_domain_name             = module.s3.log_bucket_domain_name
  price_class                        = var.cdn.price_class
  web_acl_id                         = var.cdn.waf_web_acl_arn
  hsts_preload                       = var.cdn.hsts_preload
  alarm_topic_arn                    = module.monitoring.us_east_1_sns_topic_arn
  error_rate_percent                 = var.monitoring.error_rate_percent
  aliases                            = var.cdn.aliases
  certificate_arn                    = var.cdn.certificate_arn

  # CloudFront reaches the load balancer by the name on its certificate (HTTPS, TLS 1.2).
  dynamic_paths   = var.cdn.dynamic_paths
  alb_domain_name = var.cdn.alb_domain_name

  # The ALB forwards only requests with the generated origin header (cdn.lock_origin).
  lock_origin           = var.cdn.lock_origin
  origin_header_version = var.cdn.origin_header_version
}

module "monitoring" {
  source = "../../modules/monitoring"

  name                = local.name
  tags                = var.tags
  alarm_email         = var.monitoring.alarm_email
  monthly_budget_usd  = var.monitoring.monthly_budget_usd
  budget_cost_filters = var.monitoring.budget_cost_filters

  # CloudFront's alarm is in us-east-1 and needs a topic there: a second one unless this is it.
  us_east_1_topic = true
}

# The alarms and the dashboard that read several modules live here, in the root, downstream of
# every module: inside the monitoring module they would make it depend on the modules that
# depend on its topic (no cycle for terraform, one for checkov's variable rendering, which then
# stops evaluating the other modules' counts).

# ErrorPortAllocation counts connections a NAT gateway could not open: it allows 55,000
# simultaneous connections to each destination (IP, port, protocol), and past that the app's
# calls out fail. Any in 5 minutes is worth knowing about. One alarm per gateway.
resource "aws_cloudwatch_metric_alarm" "nat_port_allocation" {
  count = length(module.vpc.nat_gateway_ids)

  alarm_name          = "${local.name}-nat-${local.azs[count.index]}-port-allocation"
  alarm_description   = "The NAT gateway in ${local.azs[count.index]} could not allocate a source port: outbound connections from the app failed."
  namespace           = "AWS/NATGateway"
  metric_name         = "ErrorPortAllocation"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [module.monitoring.sns_topic_arn]
  ok_actions          = [module.monitoring.sns_topic_arn]

  dimensions = {
    NatGatewayId = module.vpc.nat_gateway_ids[count.index]
  }

  tags = var.tags
}

# One dashboard per environment: what it has, two graphs a row, 5-minute points. CloudFront's
# metrics are read from us-east-1, where they are.
resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = local.name
  dashboard_body = jsonencode({
    widgets = [
      {
        type   = "metric"
        x      = 0
        y      = 0
        width  = 12
        height = 6
        properties = {
          title  = "Load balancer: requests and 5xx"
          region = "eu-west-1"
          stat   = "Sum"
          period = 300
          view   = "timeSeries"
          metrics = [
            ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", module.alb.lb_arn_suffix],
            [".", "HTTPCode_ELB_5XX_Count", ".", ".", { yAxis = "right" }],
            [".", "HTTPCode_Target_5XX_Count", ".", ".", { yAxis = "right" }],
          ]
        }
      },
      {
        type   = "metric"
        x      = 12
        y      = 0
        width  = 12
        height = 6
        properties = {
          title  = "Load balancer: p95 response time (s)"
          region = "eu-west-1"
          stat   = "p95"
          period = 300
          view   = "timeSeries"
          metrics = [
            ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", module.alb.lb_arn_suffix],
          ]
        }
      },
      {
        type   = "metric"
        x      = 0
        y      = 6
        width  = 12
        height = 6
        properties = {
          title  = "App instances: healthy and unhealthy"
          region = "eu-west-1"
          stat   = "Minimum"
          period = 300
          view   = "timeSeries"
          metrics = [
            ["AWS/ApplicationELB", "HealthyHostCount", "TargetGroup", module.alb.target_group_arn_suffix, "LoadBalancer", module.alb.lb_arn_suffix],
            [".", "UnHealthyHostCount", ".", ".", ".", ".", { stat = "Maximum" }],
          ]
        }
      },
      {
        type   = "metric"
        x      = 12
        y      = 6
        width  = 12
        height = 6
        properties = {
          title  = "App instances: CPU (%)"
          region = "eu-west-1"
          stat   = "Average"
          period = 300
          view   = "timeSeries"
          metrics = [
            ["AWS/EC2", "CPUUtilization", "AutoScalingGroupName", module.asg.autoscaling_group_name],
          ]
        }
      },
      {
        type   = "metric"
        x      = 0
        y      = 12
        width  = 12
        height = 6
        properties = {
          title  = "Database: CPU (%) and connections"
          region = "eu-west-1"
          stat   = "Average"
          period = 300
          view   = "timeSeries"
          metrics = [
            ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", module.rds.instance_id],
            [".", "DatabaseConnections", ".", ".", { yAxis = "right" }],
          ]
        }
      },
      {
        type   = "metric"
        x      = 12
        y      = 12
        width  = 12
        height = 6
        properties = {
          title  = "Database: free memory and storage (bytes)"
          region = "eu-west-1"
          stat   = "Minimum"
          period = 300
          view   = "timeSeries"
          metrics = [
            ["AWS/RDS", "FreeableMemory", "DBInstanceIdentifier", module.rds.instance_id],
            [".", "FreeStorageSpace", ".", "."],
          ]
        }
      },
      {
        type   = "metric"
        x      = 0
        y      = 18
        width  = 12
        height = 6
        properties = {
          title  = "Cache: engine CPU (%)"
          region = "eu-west-1"
          stat   = "Average"
          period = 300
          view   = "timeSeries"
          metrics = [
            for id in module.elasticache.member_cluster_ids : ["AWS/ElastiCache", "EngineCPUUtilization", "CacheClusterId", id]
          ]
        }
      },
      {
        type   = "metric"
        x      = 12
        y      = 18
        width  = 12
        height = 6
        properties = {
          title  = "Cache: memory used (%)"
          region = "eu-west-1"
          stat   = "Maximum"
          period = 300
          view   = "timeSeries"
          metrics = [
            for id in module.elasticache.member_cluster_ids : ["AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "CacheClusterId", id]
          ]
        }
      },
      {
        type   = "metric"
        x      = 0
        y      = 24
        width  = 12
        height = 6
        properties = {
          title  = "CloudFront: requests and 5xx rate (%)"
          region = "us-east-1"
          stat   = "Sum"
          period = 300
          view   = "timeSeries"
          metrics = [
            ["AWS/CloudFront", "Requests", "DistributionId", module.cloudfront.distribution_id, "Region", "Global"],
            [".", "5xxErrorRate", ".", ".", ".", ".", { stat = "Average", yAxis = "right" }],
          ]
        }
      },
      {
        type   = "metric"
        x      = 12
        y      = 24
        width  = 12
        height = 6
        properties = {
          title  = "NAT gateways: port allocation errors"
          region = "eu-west-1"
          stat   = "Sum"
          period = 300
          view   = "timeSeries"
          metrics = [
            for id in module.vpc.nat_gateway_ids : ["AWS/NATGateway", "ErrorPortAllocation", "NatGatewayId", id]
          ]
        }
      },
    ]
  })
}
