data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  identifier          = "${var.name}-db"
  replica_identifiers = [for i in range(var.read_replicas) : "${local.identifier}-replica-${i + 1}"]

  # Parameter group families follow the major version: 17 -> postgres17.
  family      = "postgres${split(".", var.engine_version)[0]}"
  log_exports = ["postgresql", "upgrade"]

  # RDS would create these log groups itself, unencrypted and kept forever: create them first.
  log_groups = {
    for pair in setproduct(concat([local.identifier], local.replica_identifiers), local.log_exports) :
    "${pair[0]}/${pair[1]}" => "/aws/rds/instance/${pair[0]}/${pair[1]}"
  }

  account_root = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
}

################################################################################
# Encryption key: storage, snapshots, Performance Insights, the master secret, logs
################################################################################

resource "aws_kms_key" "this" {
  description             = "RDS ${local.identifier}: storage, Performance Insights, master user secret, logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  # RDS and Secrets Manager use the key through grants made on behalf of the account's principals
  # (the account statement); CloudWatch Logs needs its own statement, limited to this database's logs.
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
      {
        Sid       = "CloudWatchLogsUse"
        Effect    = "Allow"
        Principal = { Service = "logs.${data.aws_region.current.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:log-group:/aws/rds/instance/${local.identifier}*"
          }
        }
      },
    ]
  })

  tags = merge(var.tags, {
    Name = local.identifier
  })
}

resource "aws_kms_alias" "this" {
  name          = "alias/${local.identifier}"
  target_key_id = aws_kms_key.this.key_id
}

################################################################################
# Parameter group: TLS only, slow and DDL statements logged
################################################################################

resource "aws_db_parameter_group" "this" {
  name_prefix = "${local.identifier}-"
  description = "${local.identifier}: TLS required, query logging"
  family      = local.family

  # Clients must connect with TLS.
  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  # Statements slower than one second are logged (milliseconds).
  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }

  parameter {
    name  = "log_connections"
    value = "1"
  }

  parameter {
    name  = "log_disconnections"
    value = "1"
  }

  parameter {
    name  = "log_lock_waits"
    value = "1"
  }

  # A new family (major upgrade) needs a new group before the instance can move to it.
  tags = merge(var.tags, {
    Name = local.identifier
  })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "this" {
  for_each = local.log_groups

  name              = each.value
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn

  tags = var.tags
}

################################################################################
# Enhanced monitoring role
################################################################################

resource "aws_iam_role" "monitoring" {
  # IAM name prefixes take at most 38 characters; name is at most 28.
  name_prefix = "${var.name}-rds-mon-"
  description = "Lets RDS publish enhanced monitoring metrics of ${local.identifier}"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "monitoring.rds.amazonaws.com" }
        Action    = "sts:AssumeRole"
        Condition = {
          StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
        }
      },
    ]
  })

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

################################################################################
# Primary instance
################################################################################

# trivy:ignore:AVD-AWS-0177[tags.Profile=low-power]: deletion protection is set per environment by its profile (high-power: on); low-power environments stay deletable
resource "aws_db_instance" "this" {
  # checkov:skip=CKV_AWS_157: Multi-AZ is set per environment by its profile (high-power: on); low-power environments run without the standby to save cost
  # checkov:skip=CKV_AWS_293: deletion protection is set per environment by its profile (high-power: on); low-power environments stay deletable
  identifier     = local.identifier
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class
  port           = 5432

  db_name  = var.db_name
  username = var.username
  # RDS generates the password, keeps it in Secrets Manager (encrypted with this module's key)
  # and rotates it; the app reads it through the secret ARN. It never appears in code or state.
  manage_master_user_password   = true
  master_user_secret_kms_key_id = aws_kms_key.this.arn
  # The app connects as var.iam_user with a 15-minute token (rds-db:connect on the app role);
  # no database password reaches the app.
  iam_database_authentication_enabled = true

  db_subnet_group_name   = var.db_subnet_group_name
  vpc_security_group_ids = [var.security_group_id]
  publicly_accessible    = false
  multi_az               = var.multi_az
  parameter_group_name   = aws_db_parameter_group.this.name
  ca_cert_identifier     = "rds-ca-rsa2048-g1"

  storage_type          = "gp3"
  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.this.arn

  backup_retention_period  = var.backup_retention_days
  backup_window            = var.backup_window
  maintenance_window       = var.maintenance_window
  copy_tags_to_snapshot    = true
  delete_automated_backups = false
  deletion_protection      = var.deletion_protection
  skip_final_snapshot      = var.skip_final_snapshot
  # Stable prefix, creation time as suffix: a destroy never collides with an older final snapshot.
  final_snapshot_identifier = "${local.identifier}-final-${formatdate("YYYYMMDDhhmmss", timestamp())}"

  # engine_version is a major version (the way terraform-aws-modules advises with automatic
  # minor upgrades): RDS upgrades the minor version and the plan stays clean. A major upgrade
  # happens only when the spec asks (database.allow_major_version_upgrade).
  auto_minor_version_upgrade  = true
  allow_major_version_upgrade = var.allow_major_version_upgrade

  enabled_cloudwatch_logs_exports       = local.log_exports
  monitoring_interval                   = 60
  monitoring_role_arn                   = aws_iam_role.monitoring.arn
  performance_insights_enabled          = var.performance_insights
  performance_insights_kms_key_id       = var.performance_insights ? aws_kms_key.this.arn : null
  performance_insights_retention_period = var.performance_insights ? 7 : null

  tags = merge(var.tags, {
    Name = local.identifier
  })

  lifecycle {
    # The timestamp is taken once, at creation.
    ignore_changes = [final_snapshot_identifier]
  }

  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy_attachment.monitoring]
}

################################################################################
# Read replicas: same class, subnet group, security group and parameter group
################################################################################

# trivy:ignore:AVD-AWS-0177[tags.Profile=low-power]: deletion protection is set per environment by its profile (high-power: on); low-power environments stay deletable
resource "aws_db_instance" "replica" {
  # checkov:skip=CKV_AWS_157: a read replica serves reads; its failover is the primary's Multi-AZ standby, and the app falls back to the primary endpoint
  # checkov:skip=CKV_AWS_133: backups are taken on the primary; a replica is rebuilt from it, not restored
  # checkov:skip=CKV_AWS_293: deletion protection is set per environment by its profile (high-power: on); low-power environments stay deletable
  count = var.read_replicas

  identifier = local.replica_identifiers[count.index]
  # The source's ARN (not its identifier) lets a same-region replica name its DB subnet group
  # (AWS provider >= 5.81), so the replica is pinned to the database subnets explicitly.
  replicate_source_db = aws_db_instance.this.arn
  instance_class      = var.instance_class
  port                = 5432

  db_subnet_group_name   = var.db_subnet_group_name
  vpc_security_group_ids = [var.security_group_id]
  publicly_accessible    = false
  multi_az               = false
  parameter_group_name   = aws_db_parameter_group.this.name
  ca_cert_identifier     = "rds-ca-rsa2048-g1"

  iam_database_authentication_enabled = true

  storage_type          = "gp3"
  max_allocated_storage = var.max_allocated_storage
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.this.arn

  backup_retention_period = 0
  maintenance_window      = var.maintenance_window
  copy_tags_to_snapshot   = true
  deletion_protection     = var.deletion_protection
  # RDS refuses a final snapshot of a read replica.
  skip_final_snapshot = true

  auto_minor_version_upgrade = true

  enabled_cloudwatch_logs_exports       = local.log_exports
  monitoring_interval                   = 60
  monitoring_role_arn                   = aws_iam_role.monitoring.arn
  performance_insights_enabled          = var.performance_insights
  performance_insights_kms_key_id       = var.performance_insights ? aws_kms_key.this.arn : null
  performance_insights_retention_period = var.performance_insights ? 7 : null

  tags = merge(var.tags, {
    Name = local.replica_identifiers[count.index]
  })

  depends_on = [aws_cloudwatch_log_group.this]
}

################################################################################
# Alarms
################################################################################

resource "aws_cloudwatch_metric_alarm" "cpu" {
  alarm_name          = "${local.identifier}-cpu"
  alarm_description   = "CPU of ${local.identifier} above 80% for 15 minutes."
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  dimensions          = { DBInstanceIdentifier = aws_db_instance.this.identifier }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "freeable_memory" {
  alarm_name          = "${local.identifier}-freeable-memory"
  alarm_description   = "Freeable memory of ${local.identifier} below 10% of the class's memory for 15 minutes (swapping, cache misses)."
  namespace           = "AWS/RDS"
  metric_name         = "FreeableMemory"
  dimensions          = { DBInstanceIdentifier = aws_db_instance.this.identifier }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "LessThanThreshold"
  threshold           = var.memory_alarm_threshold
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "free_storage" {
  alarm_name          = "${local.identifier}-free-storage"
  alarm_description   = "Free storage of ${local.identifier} below 10% of the allocated storage (autoscaling may be at its cap)."
  namespace           = "AWS/RDS"
  metric_name         = "FreeStorageSpace"
  dimensions          = { DBInstanceIdentifier = aws_db_instance.this.identifier }
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = var.allocated_storage * 1073741824 * 0.1
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "connections" {
  alarm_name          = "${local.identifier}-connections"
  alarm_description   = "Connections to ${local.identifier} near the instance class's max_connections."
  namespace           = "AWS/RDS"
  metric_name         = "DatabaseConnections"
  dimensions          = { DBInstanceIdentifier = aws_db_instance.this.identifier }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.connections_alarm_threshold
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "replica_lag" {
  count = var.read_replicas

  alarm_name          = "${local.replica_identifiers[count.index]}-lag"
  alarm_description   = "Replica ${local.replica_identifiers[count.index]} more than 5 minutes behind the primary."
  namespace           = "AWS/RDS"
  metric_name         = "ReplicaLag"
  dimensions          = { DBInstanceIdentifier = aws_db_instance.replica[count.index].identifier }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 300
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  tags = var.tags
}

# What metrics do not show: failovers, failures, storage full, maintenance, recovery; to the
# alarm topic, for the primary and every replica.
resource "aws_db_event_subscription" "this" {
  name        = "${local.identifier}-events"
  sns_topic   = var.alarm_topic_arn
  source_type = "db-instance"
  source_ids  = concat([aws_db_instance.this.identifier], aws_db_instance.replica[*].identifier)
  event_categories = [
    "availability",
    "deletion",
    "failover",
    "failure",
    "low storage",
    "maintenance",
    "notification",
    "recovery",
  ]

  tags = var.tags
}
