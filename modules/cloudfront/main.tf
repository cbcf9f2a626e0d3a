# AWS-managed policies, looked up by name so their IDs are never copied by hand.
data "aws_cloudfront_cache_policy" "caching_optimized" {
  name = "Managed-CachingOptimized"
}

data "aws_cloudfront_cache_policy" "caching_disabled" {
  name = "Managed-CachingDisabled"
}

# Every viewer header, cookie and query string reaches the app, except Host: CloudFront sends
# the origin's own name so that the load balancer's certificate matches.
data "aws_cloudfront_origin_request_policy" "all_viewer_except_host_header" {
  name = "Managed-AllViewerExceptHostHeader"
}

locals {
  s3_origin_id  = "static"
  alb_origin_id = "alb"
  # The header CloudFront adds to every request it sends the load balancer (cdn.lock_origin).
  origin_header_name = "X-Origin-Verify"
}

################################################################################
# Origin lock (cdn.lock_origin): the secret header of CloudFront's requests to the ALB
################################################################################

# The load balancer forwards only requests carrying this header (its listener rule), and its
# security group lets in only CloudFront's origin-facing addresses: nothing reaches the app but
# through this distribution and its WAF. The value is configuration of two AWS resources, this
# distribution's origin and the ALB's listener rule, which must hold it in clear, so unlike the
# cache's AUTH token it IS in the state (of this random_password, the distribution and the
# rule): the state bucket is encrypted, TLS-only and access-restricted, and the value opens no
# data, only the path through CloudFront. Secrets Manager keeps a copy, written write-only, for
# tools that audit or rotate it. Rotate: raise cdn.origin_header_version (a new value, written
# to all three in one apply; dynamic paths answer 403 until CloudFront has deployed it).
resource "random_password" "origin_header" {
  count = var.lock_origin ? 1 : 0

  length  = 48
  special = false
  keepers = {
    version = tostring(var.origin_header_version)
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

resource "aws_kms_key" "origin_header" {
  count = var.lock_origin ? 1 : 0

  description             = "CloudFront ${var.name}: the origin header secret"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  # Secrets Manager uses the key through grants made on behalf of the account's principals.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
    ]
  })

  tags = merge(var.tags, {
    Name = "${var.name}-origin-header"
  })
}

resource "aws_kms_alias" "origin_header" {
  count = var.lock_origin ? 1 : 0

  name          = "alias/${var.name}-origin-header"
  target_key_id = aws_kms_key.origin_header[0].key_id
}

resource "aws_secretsmanager_secret" "origin_header" {
  # checkov:skip=CKV2_AWS_57: the origin header secret is rotated by raising cdn.origin_header_version, which writes a new value to CloudFront, the ALB's listener rule and this secret in one apply; a rotation Lambda would change it behind Terraform's back
  count = var.lock_origin ? 1 : 0

  name_prefix             = "${var.name}/origin-header-"
  description             = "Value of the ${local.origin_header_name} header CloudFront sends the load balancer of ${var.name} (plain string)."
  kms_key_id              = aws_kms_key.origin_header[0].arn
  recovery_window_in_days = 7

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "origin_header" {
  count = var.lock_origin ? 1 : 0

  secret_id                = aws_secretsmanager_secret.origin_header[0].id
  secret_string_wo         = random_password.origin_header[0].result
  secret_string_wo_version = var.origin_header_version
}

resource "aws_cloudfront_origin_access_control" "this" {
  name                              = "${var.name}-static"
  description                       = "CloudFront reads the static bucket of ${var.name}"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_response_headers_policy" "this" {
  # checkov:skip=CKV_AWS_259: HSTS is on (1 year, includeSubDomains); preload is left out for dev, staging, prod because the spec does not ask for it (cdn.hsts_preload: true), since preloading binds every subdomain of the registrable domain to HTTPS and is hard to undo
  name    = "${var.name}-security-headers"
  comment = "Security headers on every response of ${var.name}"

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 31536000
      include_subdomains         = true
      preload                    = var.hsts_preload
      override                   = true
    }

    content_type_options {
      override = true
    }

    frame_options {
      frame_option = "DENY"
      override     = true
    }

    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }

    xss_protection {
      protection = true
      mode_block = true
      override   = true
    }
  }
}

resource "aws_cloudfront_distribution" "this" {
  # checkov:skip=CKV_AWS_68: no WAF web ACL in the spec for dev, staging, prod: set cdn.waf_web_acl_arn (CLOUDFRONT scope) to attach one
  # checkov:skip=CKV2_AWS_47: no WAF web ACL in the spec for dev, staging, prod, so no Log4j rule group to check; a web ACL set in cdn.waf_web_acl_arn is managed outside this project
  # checkov:skip=CKV_AWS_310: one origin per path; an S3 failover origin would need a replicated bucket in a second region
  # checkov:skip=CKV_AWS_374: the app serves a worldwide audience; geo restriction is not an access control
  enabled             = true
  comment             = "${var.name}: static files and dynamic paths"
  default_root_object = "index.html"
  http_version        = "http2and3"
  is_ipv6_enabled     = true
  price_class         = var.price_class
  web_acl_id          = var.web_acl_id
  aliases             = var.aliases

  origin {
    origin_id                = local.s3_origin_id
    domain_name              = var.static_bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.this.id
  }

  dynamic "origin" {
    for_each = length(var.dynamic_paths) > 0 ? [var.alb_domain_name] : []

    content {
      origin_id   = local.alb_origin_id
      domain_name = origin.value

      custom_origin_config {
        http_port              = 80
        https_port             = 443
        origin_protocol_policy = "https-only"
        origin_ssl_protocols   = ["TLSv1.2"]
      }

      dynamic "custom_header" {
        for_each = var.lock_origin ? [local.origin_header_name] : []

        content {
          name  = custom_header.value
          value = random_password.origin_header[0].result
        }
      }
    }
  }

  default_cache_behavior {
    target_origin_id           = local.s3_origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    cache_policy_id            = data.aws_cloudfront_cache_policy.caching_optimized.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.this.id
    compress                   = true
  }

  dynamic "ordered_cache_behavior" {
    for_each = var.dynamic_paths

    content {
      path_pattern               = ordered_cache_behavior.value
      target_origin_id           = local.alb_origin_id
      viewer_protocol_policy     = "redirect-to-https"
      allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
      cached_methods             = ["GET", "HEAD"]
      cache_policy_id            = data.aws_cloudfront_cache_policy.caching_disabled.id
      origin_request_policy_id   = data.aws_cloudfront_origin_request_policy.all_viewer_except_host_header.id
      response_headers_policy_id = aws_cloudfront_response_headers_policy.this.id
      compress                   = true
    }
  }

  # S3 answers 403 for a missing key (the origin access control may not list the bucket):
  # cache "not found" answers a minute; origin errors only briefly, so recovery shows at once.
  dynamic "custom_error_response" {
    for_each = {
      403 = 60
      404 = 60
      500 = 5
      502 = 5
      503 = 5
      504 = 5
    }

    content {
      error_code            = custom_error_response.key
      error_caching_min_ttl = custom_error_response.value
    }
  }

  logging_config {
    bucket          = var.log_bucket_domain_name
    prefix          = "cloudfront/"
    include_cookies = false
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    acm_certificate_arn      = var.certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }

  tags = merge(var.tags, {
    Name = var.name
  })
}

################################################################################
# Alarm: the share of requests CloudFront answers with a 5xx
################################################################################

# CloudFront publishes its metrics in us-east-1 only (dimension Region = Global), so the alarm
# lives there: the resource's own region argument (AWS provider >= 6) places it, as a
# us-east-1 provider alias would, without a second provider to configure and pass in. Its
# topic is in us-east-1 too, since an alarm notifies topics of its own region only. 5xxErrorRate
# is already a percentage; it counts only from error_rate_min_requests requests in 5 minutes on.
resource "aws_cloudwatch_metric_alarm" "error_rate" {
  region = "us-east-1"

  alarm_name          = "${var.name}-cdn-5xx-rate"
  alarm_description   = "More than ${var.error_rate_percent}% of CloudFront's requests got a 5xx in 5 minutes, with at least ${var.error_rate_min_requests} requests."
  evaluation_periods  = 1
  threshold           = var.error_rate_percent
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  metric_query {
    id          = "rate"
    label       = "5xx per 100 requests"
    expression  = "IF(requests >= ${var.error_rate_min_requests}, errors, 0)"
    return_data = true
  }

  metric_query {
    id = "requests"

    metric {
      namespace   = "AWS/CloudFront"
      metric_name = "Requests"
      stat        = "Sum"
      period      = 300

      dimensions = {
        DistributionId = aws_cloudfront_distribution.this.id
        Region         = "Global"
      }
    }
  }

  metric_query {
    id = "errors"

    metric {
      namespace   = "AWS/CloudFront"
      metric_name = "5xxErrorRate"
      stat        = "Average"
      period      = 300

      dimensions = {
        DistributionId = aws_cloudfront_distribution.this.id
        Region         = "Global"
      }
    }
  }

  tags = var.tags
}
