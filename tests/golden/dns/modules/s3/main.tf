data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# eu-west-3 predates the log-delivery service principal: ALB access logs arrive from
# the region's Elastic Load Balancing account, so the log bucket policy names both.
data "aws_elb_service_account" "this" {}

################################################################################
# Log bucket: ALB access logs, S3 server access logs, CloudFront standard logs
################################################################################

resource "aws_s3_bucket" "log" {
  # checkov:skip=CKV_AWS_18: this is the access-log target bucket; logging it into itself would log its own log writes
  # checkov:skip=CKV_AWS_144: access logs stay in the app's region; replicate them from an organisation log archive if required
  # checkov:skip=CKV_AWS_145: ALB access logs (and S3 server access logs, CloudFront standard logs) can only be delivered to SSE-S3 buckets, not SSE-KMS
  # checkov:skip=CKV2_AWS_62: nothing consumes events of the log bucket
  bucket_prefix = "${var.name}-logs-"

  tags = merge(var.tags, {
    Name = "${var.name}-logs"
  })
}

resource "aws_s3_bucket_public_access_block" "log" {
  bucket = aws_s3_bucket.log.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "log" {
  # checkov:skip=CKV2_AWS_65: CloudFront standard logging delivers through a bucket ACL grant to the awslogsdelivery account, so this bucket keeps ACLs enabled; the public access block still refuses public ACLs
  bucket = aws_s3_bucket.log.id

  rule {
    # CloudFront standard (legacy) logging writes through an ACL grant it adds at distribution
    # creation, which BucketOwnerEnforced forbids. BucketOwnerPreferred keeps ACLs only for that,
    # and still makes this account own every object delivered with bucket-owner-full-control.
    # (CloudFront logging v2 avoids ACLs but needs CloudWatch log delivery resources in us-east-1.)
    object_ownership = "BucketOwnerPreferred"
  }
}

resource "aws_s3_bucket_versioning" "log" {
  bucket = aws_s3_bucket.log.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "log" {
  bucket = aws_s3_bucket.log.id

  rule {
    # SSE-S3: log delivery by ELB, CloudFront and S3 server access logging does not support SSE-KMS.
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "log" {
  bucket = aws_s3_bucket.log.id

  rule {
    id     = "expire-logs"
    status = "Enabled"

    filter {}

    expiration {
      days = var.log_expiration_days
    }

    # A log object is only ever overwritten or deleted by mistake (or by an intruder): keep the
    # old version a month so it can be recovered, then let it go.
    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.log]
}

data "aws_iam_policy_document" "log" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.log.arn,
      "${aws_s3_bucket.log.arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # ALB access logs land under <prefix>/AWSLogs/<account id>/ whatever prefix the ALB uses.
  statement {
    sid       = "ELBLogDelivery"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.log.arn}/*AWSLogs/${data.aws_caller_identity.current.account_id}/*"]

    principals {
      type        = "Service"
      identifiers = ["logdelivery.elasticloadbalancing.amazonaws.com"]
    }
  }

  statement {
    sid       = "ELBRegionalAccountLogDelivery"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.log.arn}/*AWSLogs/${data.aws_caller_identity.current.account_id}/*"]

    principals {
      type        = "AWS"
      identifiers = [data.aws_elb_service_account.this.arn]
    }
  }

  statement {
    sid       = "S3ServerAccessLogDelivery"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.log.arn}/s3/*"]

    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_s3_bucket_policy" "log" {
  bucket = aws_s3_bucket.log.id
  policy = data.aws_iam_policy_document.log.json

  # S3 rejects a policy change while the public access block is being written.
  depends_on = [aws_s3_bucket_public_access_block.log]
}

################################################################################
# Static bucket: files served through CloudFront (origin access control only)
################################################################################

data "aws_iam_policy_document" "static_key" {
  # checkov:skip=CKV_AWS_109: a key policy's Resource "*" is this key only; the account root statement delegates to IAM
  # checkov:skip=CKV_AWS_111: a key policy's Resource "*" is this key only; the account root statement delegates to IAM
  # checkov:skip=CKV_AWS_356: a key policy's Resource "*" is this key only; the account root statement delegates to IAM
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  # CloudFront's origin access control reads SSE-KMS objects only if the key lets it decrypt;
  # the condition limits that to this app's distribution.
  dynamic "statement" {
    for_each = var.cloudfront_distribution_arn == null ? [] : [var.cloudfront_distribution_arn]

    content {
      sid       = "CloudFrontDecrypt"
      actions   = ["kms:Decrypt"]
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = ["cloudfront.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "AWS:SourceArn"
        values   = [statement.value]
      }
    }
  }
}

resource "aws_kms_key" "static" {
  description             = "Static files bucket of ${var.name}"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.static_key.json

  tags = merge(var.tags, {
    Name = "${var.name}-static"
  })
}

resource "aws_kms_alias" "static" {
  name          = "alias/${var.name}-static"
  target_key_id = aws_kms_key.static.key_id
}

resource "aws_s3_bucket" "static" {
  # checkov:skip=CKV_AWS_144: static files are build artifacts the deploy pipeline can publish again; versioning covers mistakes, a second-region copy would double the cost
  # checkov:skip=CKV2_AWS_62: nothing consumes events of the static bucket
  bucket_prefix = "${var.name}-static-"

  tags = merge(var.tags, {
    Name = "${var.name}-static"
  })
}

resource "aws_s3_bucket_public_access_block" "static" {
  bucket = aws_s3_bucket.static.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "static" {
  bucket = aws_s3_bucket.static.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "static" {
  bucket = aws_s3_bucket.static.id

  versioning_configuration {
    status = var.static_versioning ? "Enabled" : "Suspended"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "static" {
  bucket = aws_s3_bucket.static.id

  rule {
    # The bucket key cuts KMS requests (and their cost) to one per bucket key period.
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.static.arn
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "static" {
  bucket = aws_s3_bucket.static.id

  rule {
    id     = "housekeeping"
    status = "Enabled"

    filter {}

    # Current files live until the app deletes them; old versions and orphaned delete
    # markers go away on their own.
    noncurrent_version_expiration {
      noncurrent_days = var.static_noncurrent_version_expiration_days
    }

    expiration {
      expired_object_delete_marker = true
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.static]
}

resource "aws_s3_bucket_logging" "static" {
  bucket = aws_s3_bucket.static.id

  target_bucket = aws_s3_bucket_policy.log.bucket
  target_prefix = "s3/${aws_s3_bucket.static.id}/"
}

data "aws_iam_policy_document" "static" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.static.arn,
      "${aws_s3_bucket.static.arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # Origin access control: CloudFront signs its requests, and only this distribution may read.
  dynamic "statement" {
    for_each = var.cloudfront_distribution_arn == null ? [] : [var.cloudfront_distribution_arn]

    content {
      sid       = "CloudFrontRead"
      actions   = ["s3:GetObject"]
      resources = ["${aws_s3_bucket.static.arn}/*"]

      principals {
        type        = "Service"
        identifiers = ["cloudfront.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "AWS:SourceArn"
        values   = [statement.value]
      }
    }
  }
}

resource "aws_s3_bucket_policy" "static" {
  bucket = aws_s3_bucket.static.id
  policy = data.aws_iam_policy_document.static.json

  depends_on = [aws_s3_bucket_public_access_block.static]
}
