# AWS-managed policies, looked up by name so their IDs are never copied by hand.
data "aws_cloudfront_cache_policy" "caching_optimized" {
  name = "Managed-CachingOptimized"
}

locals {
  s3_origin_id = "static"
}

resource "aws_cloudfront_origin_access_control" "this" {
  name                              = "${var.name}-static"
  description                       = "CloudFront reads the static bucket of ${var.name}"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_response_headers_policy" "this" {
  # checkov:skip=CKV_AWS_259: HSTS is on (1 year, includeSubDomains); preload is left out for dev, test because the spec does not ask for it (cdn.hsts_preload: true), since preloading binds every subdomain of the registrable domain to HTTPS and is hard to undo
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
  # checkov:skip=CKV_AWS_68: no WAF web ACL in the spec for dev, test: set cdn.waf_web_acl_arn (CLOUDFRONT scope) to attach one
  # checkov:skip=CKV2_AWS_47: no WAF web ACL in the spec for dev, test, so no Log4j rule group to check; a web ACL set in cdn.waf_web_acl_arn is managed outside this project
  # checkov:skip=CKV_AWS_174: dev, test use the *.cloudfront.net certificate, with which CloudFront only offers the TLSv1 policy; set cdn.certificate_arn (with aliases) for TLSv1.2_2021
  # checkov:skip=CKV2_AWS_42: dev, test use the *.cloudfront.net name and certificate: no custom domain in the spec (cdn.aliases, cdn.certificate_arn)
  # checkov:skip=CKV_AWS_310: one origin per path; an S3 failover origin would need a replicated bucket in a second region
  # checkov:skip=CKV_AWS_374: the app serves a worldwide audience; geo restriction is not an access control
  enabled             = true
  comment             = "${var.name}: static files"
  default_root_object = "index.html"
  http_version        = "http2and3"
  is_ipv6_enabled     = true
  price_class         = var.price_class
  web_acl_id          = var.web_acl_id

  origin {
    origin_id                = local.s3_origin_id
    domain_name              = var.static_bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.this.id
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
    # No certificate in the spec: the distribution answers on its *.cloudfront.net name only.
    cloudfront_default_certificate = true
    minimum_protocol_version       = "TLSv1"
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
