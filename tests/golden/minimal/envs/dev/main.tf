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
          region = "us-east-2"
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
          region = "us-east-2"
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
          region = "us-east-2"
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
          region = "us-east-2"
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
          title  = "NAT gateways: port allocation errors"
          region = "us-east-2"
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
