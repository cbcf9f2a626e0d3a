data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
}

################################################################################
# Alarm topic, encrypted with a key CloudWatch may use
################################################################################

# The AWS-managed alias/aws/sns key cannot be granted to CloudWatch, and alarms publishing to a
# topic encrypted with it fail silently: the topic gets a key of its own.
data "aws_iam_policy_document" "alarms_key" {
  # checkov:skip=CKV_AWS_109: a key policy's Resource "*" is this key only; the account root statement delegates to IAM
  # checkov:skip=CKV_AWS_111: a key policy's Resource "*" is this key only; the account root statement delegates to IAM
  # checkov:skip=CKV_AWS_356: a key policy's Resource "*" is this key only; the account root statement delegates to IAM
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # Who may publish is decided by the topic policy; the key only has to let them encrypt.
  statement {
    sid       = "AlarmAndBudgetPublishers"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com", "events.rds.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "alarms" {
  description             = "Alarm topic of ${var.name}"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.alarms_key.json

  tags = merge(var.tags, {
    Name = "${var.name}-alarms"
  })
}

resource "aws_kms_alias" "alarms" {
  name          = "alias/${var.name}-alarms"
  target_key_id = aws_kms_key.alarms.key_id
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.alarms.arn

  tags = merge(var.tags, {
    Name = "${var.name}-alarms"
  })
}

data "aws_iam_policy_document" "alarms" {
  statement {
    sid = "AccountManages"
    actions = [
      "sns:GetTopicAttributes",
      "sns:SetTopicAttributes",
      "sns:AddPermission",
      "sns:RemovePermission",
      "sns:DeleteTopic",
      "sns:Subscribe",
      "sns:ListSubscriptionsByTopic",
      "sns:Publish",
    ]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }

    # Only principals of this account, even if the root principal is read as "any IAM user".
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${data.aws_region.current.region}:${local.account_id}:alarm:*"]
    }
  }

  # RDS event notifications (failover, failure, low storage, maintenance) of this account.
  statement {
    sid       = "RdsEventsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["events.rds.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:rds:${data.aws_region.current.region}:${local.account_id}:es:*"]
    }
  }

  statement {
    sid       = "BudgetsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["budgets.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

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
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms.json
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

################################################################################
# A second alarm topic in us-east-1, for CloudFront's alarm
################################################################################

# CloudFront's metrics, and so its alarm, are in us-east-1, and an alarm notifies topics of its
# own region only: an environment elsewhere gets a copy of the topic there (key, policy, email
# subscription, which AWS asks to confirm separately). In us-east-1 the main topic serves.
data "aws_iam_policy_document" "us_east_1_key" {
  count = var.us_east_1_topic ? 1 : 0

  # checkov:skip=CKV_AWS_109: a key policy's Resource "*" is this key only; the account root statement delegates to IAM
  # checkov:skip=CKV_AWS_111: a key policy's Resource "*" is this key only; the account root statement delegates to IAM
  # checkov:skip=CKV_AWS_356: a key policy's Resource "*" is this key only; the account root statement delegates to IAM
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "AlarmPublishers"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "us_east_1" {
  count  = var.us_east_1_topic ? 1 : 0
  region = "us-east-1"

  description             = "Alarm topic of ${var.name} in us-east-1 (CloudFront)"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.us_east_1_key[0].json

  tags = merge(var.tags, {
    Name = "${var.name}-alarms-us-east-1"
  })
}

resource "aws_kms_alias" "us_east_1" {
  count  = var.us_east_1_topic ? 1 : 0
  region = "us-east-1"

  name          = "alias/${var.name}-alarms"
  target_key_id = aws_kms_key.us_east_1[0].key_id
}

resource "aws_sns_topic" "us_east_1" {
  count  = var.us_east_1_topic ? 1 : 0
  region = "us-east-1"

  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.us_east_1[0].arn

  tags = merge(var.tags, {
    Name = "${var.name}-alarms"
  })
}

data "aws_iam_policy_document" "us_east_1" {
  count = var.us_east_1_topic ? 1 : 0

  statement {
    sid = "AccountManages"
    actions = [
      "sns:GetTopicAttributes",
      "sns:SetTopicAttributes",
      "sns:AddPermission",
      "sns:RemovePermission",
      "sns:DeleteTopic",
      "sns:Subscribe",
      "sns:ListSubscriptionsByTopic",
      "sns:Publish",
    ]
    resources = [aws_sns_topic.us_east_1[0].arn]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.us_east_1[0].arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:us-east-1:${local.account_id}:alarm:*"]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.us_east_1[0].arn]

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
}

resource "aws_sns_topic_policy" "us_east_1" {
  count  = var.us_east_1_topic ? 1 : 0
  region = "us-east-1"

  arn    = aws_sns_topic.us_east_1[0].arn
  policy = data.aws_iam_policy_document.us_east_1[0].json
}

resource "aws_sns_topic_subscription" "us_east_1_email" {
  count  = var.us_east_1_topic && var.alarm_email != null ? 1 : 0
  region = "us-east-1"

  topic_arn = aws_sns_topic.us_east_1[0].arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

################################################################################
# Monthly cost budget
################################################################################

# The budget measures this environment, not the whole account: its own account (LinkedAccount)
# when no other environment shares it, else its Environment tag. A cost-allocation tag reads 0
# until it is activated (Billing console > Cost allocation tags).
resource "aws_budgets_budget" "monthly" {
  count = var.monthly_budget_usd == null ? 0 : 1

  name         = "${var.name}-monthly"
  budget_type  = "COST"
  time_unit    = "MONTHLY"
  limit_amount = tostring(var.monthly_budget_usd)
  limit_unit   = "USD"

  dynamic "cost_filter" {
    for_each = var.budget_cost_filters
    content {
      name   = cost_filter.key
      values = cost_filter.value
    }
  }

  # Alerts go straight to the alarm email (no subscription to confirm); without one, to the topic.
  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 80
    threshold_type             = "PERCENTAGE"
    notification_type          = "ACTUAL"
    subscriber_email_addresses = var.alarm_email == null ? null : [var.alarm_email]
    subscriber_sns_topic_arns  = var.alarm_email == null ? [aws_sns_topic_policy.alarms.arn] : null
  }

  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 100
    threshold_type             = "PERCENTAGE"
    notification_type          = "FORECASTED"
    subscriber_email_addresses = var.alarm_email == null ? null : [var.alarm_email]
    subscriber_sns_topic_arns  = var.alarm_email == null ? [aws_sns_topic_policy.alarms.arn] : null
  }

  tags = merge(var.tags, {
    Name = "${var.name}-monthly"
  })
}
