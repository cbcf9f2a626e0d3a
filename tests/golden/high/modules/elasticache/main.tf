data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  replication_group_id = "${var.name}-cache"
  # ElastiCache names the nodes of a replication group <id>-001, <id>-002, ...
  member_clusters = [for i in range(1 + var.replicas) : format("%s-%03d", local.replication_group_id, i + 1)]
  slow_log_group  = "/aws/elasticache/${local.replication_group_id}/slow-log"
}

################################################################################
# Encryption key: data at rest, snapshots, the auth token secret, the slow log
################################################################################

resource "aws_kms_key" "this" {
  description             = "ElastiCache ${local.replication_group_id}: data at rest, auth token secret, slow log"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  # ElastiCache and Secrets Manager use the key through grants made on behalf of the account's
  # principals (the account statement); CloudWatch Logs needs its own statement for the slow log.
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
      {
        Sid       = "CloudWatchLogsUse"
        Effect    = "Allow"
        Principal = { Service = "logs.${data.aws_region.current.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:log-group:${local.slow_log_group}"
          }
        }
      },
    ]
  })

  tags = merge(var.tags, {
    Name = local.replication_group_id
  })
}

resource "aws_kms_alias" "this" {
  name          = "alias/${local.replication_group_id}"
  target_key_id = aws_kms_key.this.key_id
}

################################################################################
# Auth token: generated here, kept in Secrets Manager, never in the spec or tfvars
################################################################################

# The token never lands in the Terraform state or the plan: an ephemeral password (generated
# afresh at each run, never stored) is written through the write-only arguments auth_token_wo
# and secret_string_wo (Terraform >= 1.11). Terraform sends it only when *_wo_version changes,
# so the replication group and the secret get the same token in the run that changes it.
# Rotate: raise cache.auth_token_version in the spec, re-render and apply; with strategy ROTATE
# the old token is still accepted until the next change, so clients read the new one from the
# secret first. AUTH tokens take 16-128 printable characters; of the special ones only !&#$^<>-.
ephemeral "random_password" "auth_token" {
  length           = 64
  special          = true
  override_special = "!&#$^<>-"
}

resource "aws_secretsmanager_secret" "auth_token" {
  # checkov:skip=CKV2_AWS_57: rotating an ElastiCache AUTH token needs a rotation Lambda that calls ModifyReplicationGroup (ROTATE then SET); none is deployed. Rotate by raising cache.auth_token_version (auth_token_wo_version), which writes a new ephemeral token to the replication group (strategy ROTATE) and to this secret in one apply
  name_prefix             = "${var.name}/cache-auth-token-"
  description             = "AUTH token of the ${local.replication_group_id} replication group (plain string)."
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 7

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "auth_token" {
  secret_id                = aws_secretsmanager_secret.auth_token.id
  secret_string_wo         = ephemeral.random_password.auth_token.result
  secret_string_wo_version = var.auth_token_version
}

################################################################################
# Replication group
################################################################################

resource "aws_cloudwatch_log_group" "slow_log" {
  name              = local.slow_log_group
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn

  tags = var.tags
}

resource "aws_elasticache_replication_group" "this" {
  # checkov:skip=CKV_AWS_31: the AUTH token is set, write-only (auth_token_wo, kept out of the state); checkov reads only auth_token and user_group_ids
  # checkov:skip=CKV2_AWS_50: automatic failover is set per environment by its profile (high-power: on, with a replica in another AZ); low-power environments run a single node to save cost
  replication_group_id = local.replication_group_id
  description          = "Session cache of ${var.name}"
  engine               = "valkey"
  engine_version       = var.engine_version
  node_type            = var.node_type
  port                 = 6379

  num_cache_clusters         = 1 + var.replicas
  automatic_failover_enabled = var.automatic_failover
  multi_az_enabled           = var.automatic_failover

  subnet_group_name  = var.subnet_group_name
  security_group_ids = [var.security_group_id]

  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.this.arn
  transit_encryption_enabled = true
  transit_encryption_mode    = "required"
  auth_token_wo              = ephemeral.random_password.auth_token.result
  auth_token_wo_version      = var.auth_token_version
  # A new token is accepted next to the old one until the next SET, so clients can move over.
  auth_token_update_strategy = "ROTATE"

  auto_minor_version_upgrade = true
  snapshot_retention_limit   = var.snapshot_retention_days
  snapshot_window            = var.snapshot_window
  maintenance_window         = var.maintenance_window

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.slow_log.name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }

  tags = merge(var.tags, {
    Name = local.replication_group_id
  })
}

################################################################################
# Alarms, per node
################################################################################

resource "aws_cloudwatch_metric_alarm" "engine_cpu" {
  for_each = toset(local.member_clusters)

  alarm_name          = "${each.key}-engine-cpu"
  alarm_description   = "The valkey thread of ${each.key} above 80% CPU for 15 minutes."
  namespace           = "AWS/ElastiCache"
  metric_name         = "EngineCPUUtilization"
  dimensions          = { CacheClusterId = each.key }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  tags = var.tags

  depends_on = [aws_elasticache_replication_group.this]
}

resource "aws_cloudwatch_metric_alarm" "evictions" {
  for_each = toset(local.member_clusters)

  alarm_name          = "${each.key}-evictions"
  alarm_description   = "${each.key} evicted keys for lack of memory: sessions are being lost."
  namespace           = "AWS/ElastiCache"
  metric_name         = "Evictions"
  dimensions          = { CacheClusterId = each.key }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  tags = var.tags

  depends_on = [aws_elasticache_replication_group.this]
}

resource "aws_cloudwatch_metric_alarm" "memory" {
  for_each = toset(local.member_clusters)

  alarm_name          = "${each.key}-memory"
  alarm_description   = "Memory of ${each.key} above 80% of maxmemory: evictions come next."
  namespace           = "AWS/ElastiCache"
  metric_name         = "DatabaseMemoryUsagePercentage"
  dimensions          = { CacheClusterId = each.key }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  tags = var.tags

  depends_on = [aws_elasticache_replication_group.this]
}
