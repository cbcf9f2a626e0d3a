locals {
  # TLS 1.3, and TLS 1.2 with forward-secret AEAD ciphers only: stricter than the
  # ELBSecurityPolicy-TLS13-1-2-2021-06 default, still every browser and SDK of the last decade.
  ssl_policy = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"

  # Any other Host header (a scanner on the load balancer's DNS name or IP) gets a 404.
  forwarded_names = var.host_names
  default_status  = length(var.host_names) > 0 ? 404 : null
}

# trivy:ignore:AVD-AWS-0053: a public web app needs an internet-facing load balancer; it answers HTTPS only (HTTP is a redirect) and the app tier stays in private subnets
resource "aws_lb" "this" {
  # checkov:skip=CKV_AWS_150: deletion protection is set per environment by its profile (high-power: on); low-power environments stay deletable
  # checkov:skip=CKV2_AWS_76: the WAF web ACL (load_balancer.waf_web_acl_arn) is managed outside this project, so its rules (Log4j AMR included) are not visible here
  # checkov:skip=CKV2_AWS_28: no WAF web ACL in the spec for dev, test: set load_balancer.waf_web_acl_arn (REGIONAL scope) to attach one
  name               = var.name
  load_balancer_type = "application"
  internal           = false
  subnets            = var.subnet_ids
  security_groups    = [var.security_group_id]
  idle_timeout       = var.idle_timeout

  # Requests a proxy could read differently from the app are dropped, not forwarded.
  drop_invalid_header_fields = true
  desync_mitigation_mode     = "strictest"
  enable_http2               = true
  enable_deletion_protection = var.deletion_protection

  access_logs {
    bucket  = var.access_logs_bucket_id
    prefix  = "alb"
    enabled = var.access_logs_enabled
  }

  tags = merge(var.tags, {
    Name = var.name
  })
}

resource "aws_lb_target_group" "app" {
  # A prefix, not a fixed name: a port change replaces the group, and the new one must be
  # created (and the listener moved to it) before the old one can go.
  name_prefix          = "app-"
  vpc_id               = var.vpc_id
  port                 = var.app_port
  protocol             = "HTTP"
  target_type          = "instance"
  deregistration_delay = 30

  health_check {
    enabled             = true
    path                = var.health_check_path
    port                = "traffic-port"
    protocol            = "HTTP"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = merge(var.tags, {
    Name = "${var.name}-app"
  })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  # Plain HTTP only ever answers with a permanent redirect to the same URL over HTTPS.
  default_action {
    type = "redirect"

    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }

  tags = var.tags
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = local.ssl_policy
  certificate_arn   = var.certificate_arn

  routing_http_response_strict_transport_security_header_value = "max-age=31536000"
  routing_http_response_x_content_type_options_header_value    = "nosniff"
  routing_http_response_server_enabled                         = false

  # Only requests the rules below match reach the app; the rest get local.default_status.
  # Without names (and no origin lock), all are forwarded.
  default_action {
    type             = local.default_status == null ? "forward" : "fixed-response"
    target_group_arn = local.default_status == null ? aws_lb_target_group.app.arn : null

    dynamic "fixed_response" {
      for_each = local.default_status == null ? [] : [local.default_status]
      content {
        content_type = "text/plain"
        message_body = "Not found"
        status_code  = tostring(fixed_response.value)
      }
    }
  }

  tags = var.tags
}

# One rule per five names (a rule's condition holds at most five values).
resource "aws_lb_listener_rule" "app" {
  for_each = { for i, names in chunklist(local.forwarded_names, 5) : tostring(i) => names }

  listener_arn = aws_lb_listener.https.arn
  priority     = 100 + tonumber(each.key)

  condition {
    host_header {
      values = each.value
    }
  }

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }

  tags = var.tags
}

resource "aws_wafv2_web_acl_association" "this" {
  count = var.waf_web_acl_arn == null ? 0 : 1

  resource_arn = aws_lb.this.arn
  web_acl_arn  = var.waf_web_acl_arn
}

################################################################################
# Alarms: errors the load balancer or the app returns, latency, unhealthy targets
################################################################################

# An error rate, not a count: 10 errors are an outage at night and noise at peak. 5xx from the
# load balancer itself and from the app, per 100 requests over 5 minutes, counted only from
# error_rate_min_requests requests on (below that, a handful of errors would page someone). With
# no 5xx at all their metrics have no data: FILL reads them as 0. Requests the load balancer
# answers before choosing a target (no healthy target at all) are not in RequestCount: the
# no_healthy_hosts alarm covers that.
resource "aws_cloudwatch_metric_alarm" "error_rate" {
  alarm_name          = "${var.name}-alb-5xx-rate"
  alarm_description   = "More than ${var.error_rate_percent}% of requests got a 5xx (load balancer or app) in 5 minutes, with at least ${var.error_rate_min_requests} requests."
  evaluation_periods  = 1
  threshold           = var.error_rate_percent
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  metric_query {
    id          = "rate"
    label       = "5xx per 100 requests"
    expression  = "IF(requests >= ${var.error_rate_min_requests}, 100 * (FILL(elb, 0) + FILL(target, 0)) / requests, 0)"
    return_data = true
  }

  metric_query {
    id = "requests"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      stat        = "Sum"
      period      = 300

      dimensions = {
        LoadBalancer = aws_lb.this.arn_suffix
      }
    }
  }

  metric_query {
    id = "elb"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_ELB_5XX_Count"
      stat        = "Sum"
      period      = 300

      dimensions = {
        LoadBalancer = aws_lb.this.arn_suffix
      }
    }
  }

  metric_query {
    id = "target"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      stat        = "Sum"
      period      = 300

      dimensions = {
        LoadBalancer = aws_lb.this.arn_suffix
      }
    }
  }

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "target_response_time" {
  alarm_name          = "${var.name}-alb-target-response-time"
  alarm_description   = "p95 app response time above 1 second for 15 minutes."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  extended_statistic  = "p95"
  period              = 300
  evaluation_periods  = 3
  threshold           = 1
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  dimensions = {
    LoadBalancer = aws_lb.this.arn_suffix
  }

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  alarm_name          = "${var.name}-alb-unhealthy-hosts"
  alarm_description   = "At least one app instance has failed its health checks for 3 minutes."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  dimensions = {
    LoadBalancer = aws_lb.this.arn_suffix
    TargetGroup  = aws_lb_target_group.app.arn_suffix
  }

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "no_healthy_hosts" {
  alarm_name          = "${var.name}-alb-no-healthy-hosts"
  alarm_description   = "No app instance is healthy: the site is down."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HealthyHostCount"
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 2
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  # No data means no target reports healthy at all.
  treat_missing_data = "breaching"
  alarm_actions      = [var.alarm_topic_arn]
  ok_actions         = [var.alarm_topic_arn]

  dimensions = {
    LoadBalancer = aws_lb.this.arn_suffix
    TargetGroup  = aws_lb_target_group.app.arn_suffix
  }

  tags = var.tags
}
