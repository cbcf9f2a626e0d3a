data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  partition    = data.aws_partition.current.partition
  region       = data.aws_region.current.region
  account_id   = data.aws_caller_identity.current.account_id
  account_root = "arn:${local.partition}:iam::${local.account_id}:root"

  vault_name      = "${var.name}-backup"
  copy_vault_name = "${var.name}-backup-copy"
  lock_changeable = var.lock_mode == "compliance" ? var.lock_changeable_days : null

  # The recovery points the plan makes and copies: in this region and in the copy region.
  regions = [local.region, var.copy_region]

  database_arn = var.database ? "arn:${local.partition}:rds:${local.region}:${local.account_id}:db:${var.database_instance_id}" : null
  protected = compact([
    local.database_arn,
    var.static_bucket ? var.static_bucket_arn : null,
  ])
  # Keys the backup role encrypts and decrypts with: both vaults' and the sources'.
  kms_keys = compact([
    aws_kms_key.vault.arn,
    aws_kms_key.copy.arn,
    var.database_kms_key_arn,
    var.static_kms_key_arn,
  ])
}

################################################################################
# Vault keys: one per region, the vaults' own
################################################################################

resource "aws_kms_key" "vault" {
  description             = "AWS Backup vault ${local.vault_name}"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  # AWS Backup uses the key through grants the backup role makes (the account statement lets
  # IAM policies allow it); nobody else is named.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = local.account_root }
        Action    = "kms:*"
        Resource  = "*"
      },
    ]
  })

  tags = merge(var.tags, {
    Name = local.vault_name
  })
}

resource "aws_kms_alias" "vault" {
  name          = "alias/${local.vault_name}"
  target_key_id = aws_kms_key.vault.key_id
}

resource "aws_kms_key" "copy" {
  region                  = var.copy_region
  description             = "AWS Backup vault ${local.copy_vault_name} (copies from ${local.region})"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = local.account_root }
        Action    = "kms:*"
        Resource  = "*"
      },
    ]
  })

  tags = merge(var.tags, {
    Name = local.copy_vault_name
  })
}

resource "aws_kms_alias" "copy" {
  region        = var.copy_region
  name          = "alias/${local.copy_vault_name}"
  target_key_id = aws_kms_key.copy.key_id
}

################################################################################
# Vaults: encrypted with their own keys, locked, deletion only by the break-glass role
################################################################################

resource "aws_backup_vault" "this" {
  name        = local.vault_name
  kms_key_arn = aws_kms_key.vault.arn

  tags = var.tags
}

resource "aws_backup_vault" "copy" {
  region      = var.copy_region
  name        = local.copy_vault_name
  kms_key_arn = aws_kms_key.copy.arn

  tags = var.tags
}

# Governance mode: a principal allowed backup:DeleteBackupVaultLockConfiguration can lift the lock.
# Compliance mode: after changeable_for_days nobody can, not even the account root.
resource "aws_backup_vault_lock_configuration" "this" {
  backup_vault_name   = aws_backup_vault.this.name
  min_retention_days  = var.lock_min_retention_days
  max_retention_days  = var.lock_max_retention_days
  changeable_for_days = local.lock_changeable
}

resource "aws_backup_vault_lock_configuration" "copy" {
  region              = var.copy_region
  backup_vault_name   = aws_backup_vault.copy.name
  min_retention_days  = var.lock_min_retention_days
  max_retention_days  = var.lock_max_retention_days
  changeable_for_days = local.lock_changeable
}

resource "aws_backup_vault_policy" "this" {
  backup_vault_name = aws_backup_vault.this.name
  policy            = data.aws_iam_policy_document.vault["this"].json
}

resource "aws_backup_vault_policy" "copy" {
  region            = var.copy_region
  backup_vault_name = aws_backup_vault.copy.name
  policy            = data.aws_iam_policy_document.vault["copy"].json
}

# Everyone but the break-glass role is refused the deletion (or shortening) of recovery points,
# whatever their IAM policies allow.
data "aws_iam_policy_document" "vault" {
  for_each = {
    this = aws_backup_vault.this.arn
    copy = aws_backup_vault.copy.arn
  }

  statement {
    sid       = "OnlyBreakGlassDeletesRecoveryPoints"
    effect    = "Deny"
    actions   = ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnNotEquals"
      variable = "aws:PrincipalArn"
      values   = [aws_iam_role.break_glass.arn]
    }
  }
}

################################################################################
# The plan: daily (var.schedule) into the vault, copied to the second region
################################################################################

resource "aws_backup_plan" "this" {
  name = "${var.name}-backup"

  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.this.name
    schedule          = var.schedule
    start_window      = 60
    completion_window = 480

    lifecycle {
      delete_after                              = var.retention_days
      opt_in_to_archive_for_supported_resources = false
    }

    copy_action {
      destination_vault_arn = aws_backup_vault.copy.arn

      lifecycle {
        delete_after                              = var.retention_days
        opt_in_to_archive_for_supported_resources = false
      }
    }

    dynamic "copy_action" {
      for_each = var.copy_vault_arn == null ? [] : [var.copy_vault_arn]

      content {
        destination_vault_arn = copy_action.value

        lifecycle {
          delete_after                              = var.retention_days
          opt_in_to_archive_for_supported_resources = false
        }
      }
    }
  }

  tags = var.tags
}

resource "aws_backup_selection" "this" {
  name         = "${var.name}-data"
  plan_id      = aws_backup_plan.this.id
  iam_role_arn = aws_iam_role.backup.arn
  resources    = local.protected
}

################################################################################
# The role AWS Backup uses: these resources, these keys, nothing else
################################################################################

resource "aws_iam_role" "backup" {
  name        = "${var.name}-backup"
  description = "Lets AWS Backup back up, copy and restore-test the data of ${var.name}"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "backup.amazonaws.com" }
        Action    = "sts:AssumeRole"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
        }
      },
    ]
  })

  tags = var.tags
}

resource "aws_iam_role_policy" "backup" {
  name   = "backup"
  role   = aws_iam_role.backup.id
  policy = data.aws_iam_policy_document.backup.json
}

data "aws_iam_policy_document" "backup" {
  statement {
    sid       = "FindResources"
    actions   = ["tag:GetResources"]
    resources = ["*"]
  }

  statement {
    sid       = "VaultKeys"
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    resources = local.kms_keys
  }

  statement {
    sid       = "VaultKeyGrants"
    actions   = ["kms:CreateGrant", "kms:RetireGrant"]
    resources = local.kms_keys

    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
  }

  statement {
    sid     = "DatabaseSnapshots"
    actions = ["rds:AddTagsToResource", "rds:CreateDBSnapshot", "rds:DescribeDBInstances", "rds:ListTagsForResource"]
    resources = concat(
      var.database ? [local.database_arn] : [],
      [for region in local.regions : "arn:${local.partition}:rds:${region}:${local.account_id}:snapshot:awsbackup:*"],
    )
  }

  statement {
    sid = "CopyAndExpireSnapshots"
    actions = [
      "rds:AddTagsToResource",
      "rds:CopyDBSnapshot",
      "rds:DeleteDBSnapshot",
      "rds:DescribeDBSnapshots",
      "rds:ListTagsForResource",
      "rds:ModifyDBSnapshotAttribute",
    ]
    resources = [for region in local.regions : "arn:${local.partition}:rds:${region}:${local.account_id}:snapshot:awsbackup:*"]
  }

  # Restore tests create an instance named awsbackup-restore-test-*, check it, and delete it.
  statement {
    sid = "RestoreTests"
    actions = [
      "rds:AddTagsToResource",
      "rds:DeleteDBInstance",
      "rds:DescribeDBInstances",
      "rds:RestoreDBInstanceFromDBSnapshot",
    ]
    resources = [
      "arn:${local.partition}:rds:${local.region}:${local.account_id}:db:awsbackup-restore-test-*",
      "arn:${local.partition}:rds:${local.region}:${local.account_id}:snapshot:awsbackup:*",
      "arn:${local.partition}:rds:${local.region}:${local.account_id}:subgrp:*",
      "arn:${local.partition}:rds:${local.region}:${local.account_id}:pg:*",
      "arn:${local.partition}:rds:${local.region}:${local.account_id}:og:*",
      "arn:${local.partition}:rds:${local.region}:${local.account_id}:secgrp:*",
    ]
  }

  statement {
    sid = "StaticBucket"
    actions = [
      "s3:GetBucketAcl",
      "s3:GetBucketLocation",
      "s3:GetBucketNotification",
      "s3:GetBucketTagging",
      "s3:GetBucketVersioning",
      "s3:GetInventoryConfiguration",
      "s3:ListBucket",
      "s3:ListBucketVersions",
      "s3:PutBucketNotification",
      "s3:PutInventoryConfiguration",
    ]
    resources = var.static_bucket ? [var.static_bucket_arn] : ["arn:${local.partition}:s3:::${var.name}-none"]
  }

  statement {
    sid = "StaticObjects"
    actions = [
      "s3:GetObject",
      "s3:GetObjectAcl",
      "s3:GetObjectTagging",
      "s3:GetObjectVersion",
      "s3:GetObjectVersionAcl",
      "s3:GetObjectVersionTagging",
    ]
    resources = var.static_bucket ? ["${var.static_bucket_arn}/*"] : ["arn:${local.partition}:s3:::${var.name}-none/*"]
  }

  # Continuous S3 backups follow the bucket's changes through an EventBridge rule AWS Backup manages.
  statement {
    sid = "StaticChangeEvents"
    actions = [
      "events:DeleteRule",
      "events:DescribeRule",
      "events:DisableRule",
      "events:EnableRule",
      "events:ListTargetsByRule",
      "events:PutRule",
      "events:PutTargets",
      "events:RemoveTargets",
    ]
    resources = ["arn:${local.partition}:events:${local.region}:${local.account_id}:rule/AwsBackupManagedRule*"]
  }

  statement {
    sid       = "StaticMetrics"
    actions   = ["cloudwatch:GetMetricData", "events:ListRules"]
    resources = ["*"]
  }
}

################################################################################
# Break-glass: the only principal the vaults let delete recovery points
################################################################################

resource "aws_iam_role" "break_glass" {
  name                 = "${var.name}-backup-break-glass"
  description          = "The only principal allowed to delete recovery points of ${local.vault_name} and ${local.copy_vault_name}; assume with MFA"
  max_session_duration = 3600

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { AWS = length(var.break_glass_principals) > 0 ? var.break_glass_principals : [local.account_root] }
        Action    = "sts:AssumeRole"
        Condition = {
          Bool = { "aws:MultiFactorAuthPresent" = "true" }
        }
      },
    ]
  })

  tags = var.tags
}

resource "aws_iam_role_policy" "break_glass" {
  name = "delete-recovery-points"
  role = aws_iam_role.break_glass.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["backup:DeleteRecoveryPoint", "backup:DescribeRecoveryPoint", "backup:ListRecoveryPointsByBackupVault", "backup:UpdateRecoveryPointLifecycle"]
        Resource = [aws_backup_vault.this.arn, aws_backup_vault.copy.arn, "arn:${local.partition}:backup:*:${local.account_id}:recovery-point:*"]
      },
    ]
  })
}

################################################################################
# Restore test: the latest database recovery point is restored, checked and deleted
################################################################################

resource "aws_backup_restore_testing_plan" "this" {
  count = var.database && var.restore_testing ? 1 : 0

  # Restore testing names take letters, digits and underscores only.
  name                = "${replace(var.name, "-", "_")}_restore_test"
  schedule_expression = var.restore_test_schedule
  start_window_hours  = 8

  recovery_point_selection {
    algorithm             = "LATEST_WITHIN_WINDOW"
    include_vaults        = [aws_backup_vault.this.arn]
    recovery_point_types  = ["SNAPSHOT"]
    selection_window_days = 7
  }

  tags = var.tags
}

resource "aws_backup_restore_testing_selection" "database" {
  count = var.database && var.restore_testing ? 1 : 0

  name                      = "database"
  restore_testing_plan_name = aws_backup_restore_testing_plan.this[0].name
  protected_resource_type   = "RDS"
  protected_resource_arns   = [local.database_arn]
  iam_role_arn              = aws_iam_role.backup.arn
  validation_window_hours   = 2

  # Restore into the database subnets with the database's security group, not the default VPC.
  restore_metadata_overrides = {
    dbsubnetgroupname   = var.database_subnet_group_name
    vpcsecuritygroupids = jsonencode([var.database_security_group_id])
  }
}

################################################################################
# Alarms: a failed backup, copy or restore job
################################################################################

locals {
  job_alarms = {
    backup  = { metric = "NumberOfBackupJobsFailed", what = "backup" }
    copy    = { metric = "NumberOfCopyJobsFailed", what = "copy to ${var.copy_region}" }
    restore = { metric = "NumberOfRestoreJobsFailed", what = "restore (the restore test)" }
  }
}

resource "aws_cloudwatch_metric_alarm" "jobs_failed" {
  for_each = local.job_alarms

  alarm_name          = "${local.vault_name}-${each.key}-failed"
  alarm_description   = "A ${each.value.what} job of ${local.vault_name} failed: see AWS Backup > Jobs."
  namespace           = "AWS/Backup"
  metric_name         = each.value.metric
  dimensions          = { BackupVaultName = aws_backup_vault.this.name }
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  tags = var.tags
}
