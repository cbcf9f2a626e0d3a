data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region
  account_id = data.aws_caller_identity.current.account_id

  # An SSM parameter (e.g. the latest Amazon Linux) is read at plan time into the launch
  # template: a new AMI is a visible plan change, a new template version, and an instance
  # refresh that rolls the whole group, so instances never drift apart.
  ami_from_ssm = startswith(var.ami, "/")
  image_id     = local.ami_from_ssm ? data.aws_ssm_parameter.ami[0].insecure_value : var.ami

  log_group_name = "/app/${var.name}"

  app_environment = merge(var.app_environment, {
    AWS_REGION = local.region
    LOG_GROUP  = local.log_group_name
  })

  # Instances and their volumes are tagged through the group: default_tags do not reach them.
  instance_tags = merge(var.tags, { Name = var.name })
}

# The AMI id the SSM parameter holds now (public AMI parameters are plain strings). The AMI is
# also read for its root device name, so that the encrypted gp3 mapping below replaces the root
# volume (/dev/xvda on Amazon Linux, /dev/sda1 on Ubuntu) instead of adding a second, empty disk.
data "aws_ssm_parameter" "ami" {
  count = local.ami_from_ssm ? 1 : 0

  name = var.ami
}

data "aws_ami" "this" {
  owners = var.ami_owners

  filter {
    name   = "image-id"
    values = [local.image_id]
  }
}

################################################################################
# App logs: a log group encrypted with a key of its own
################################################################################

data "aws_iam_policy_document" "logs_key" {
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
    sid       = "CloudWatchLogsUse"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"]
    }
  }
}

resource "aws_kms_key" "logs" {
  description             = "App logs of ${var.name}"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.logs_key.json

  tags = var.tags
}

resource "aws_kms_alias" "logs" {
  name          = "alias/${var.name}-app-logs"
  target_key_id = aws_kms_key.logs.key_id
}

resource "aws_cloudwatch_log_group" "app" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.logs.arn

  tags = var.tags
}

################################################################################
# Instance role: Session Manager instead of SSH, CloudWatch agent, the app's own policies
################################################################################

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name_prefix        = "${var.name}-app-"
  description        = "Instances of the ${var.name} app tier"
  assume_role_policy = data.aws_iam_policy_document.assume.json

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "this" {
  # A set: a spec that also lists one of the two built-in policies attaches it once.
  for_each = toset(concat([
    "arn:${local.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore",
    "arn:${local.partition}:iam::aws:policy/CloudWatchAgentServerPolicy",
  ], var.iam_policy_arns))

  role       = aws_iam_role.this.name
  policy_arn = each.value
}

data "aws_iam_policy_document" "secrets" {
  count = length(var.secret_arns) > 0 ? 1 : 0

  statement {
    sid       = "ReadAppSecrets"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = var.secret_arns
  }

  # Secrets encrypted with a customer managed key: decrypt through Secrets Manager, and only
  # for these secrets.
  statement {
    sid       = "DecryptAppSecrets"
    actions   = ["kms:Decrypt"]
    resources = ["arn:${local.partition}:kms:${local.region}:${local.account_id}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:SecretARN"
      values   = var.secret_arns
    }
  }
}

resource "aws_iam_role_policy" "secrets" {
  count = length(var.secret_arns) > 0 ? 1 : 0

  name   = "read-app-secrets"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.secrets[0].json
}

# The static-files bucket (when the environment has one): the app reads and writes its objects,
# encrypted with the bucket's key. The bucket and key policies delegate to IAM; nothing else.
data "aws_iam_policy_document" "static" {
  count = length(var.static_buckets) > 0 ? 1 : 0

  statement {
    sid       = "ListStaticBucket"
    actions   = ["s3:ListBucket"]
    resources = [for b in var.static_buckets : b.arn]
  }

  statement {
    sid       = "ReadWriteStaticObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [for b in var.static_buckets : "${b.arn}/*"]
  }

  statement {
    sid       = "UseStaticKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [for b in var.static_buckets : b.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "static" {
  count = length(var.static_buckets) > 0 ? 1 : 0

  name   = "use-static-bucket"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.static[0].json
}

# IAM database authentication: the app asks RDS for a token (generate-db-auth-token) and
# connects as the database's IAM user over TLS.
data "aws_iam_policy_document" "db_connect" {
  count = length(var.db_connect_arns) > 0 ? 1 : 0

  statement {
    sid       = "ConnectAsTheAppsDatabaseUser"
    actions   = ["rds-db:connect"]
    resources = var.db_connect_arns
  }
}

resource "aws_iam_role_policy" "db_connect" {
  count = length(var.db_connect_arns) > 0 ? 1 : 0

  name   = "connect-to-database"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.db_connect[0].json
}

resource "aws_iam_instance_profile" "this" {
  name_prefix = "${var.name}-app-"
  role        = aws_iam_role.this.name

  tags = var.tags
}

################################################################################
# Launch template: IMDSv2 only, no public IP, no key pair, encrypted gp3 root volume
################################################################################

resource "aws_launch_template" "this" {
  name_prefix            = "${var.name}-app-"
  description            = "App instances of ${var.name}"
  image_id               = local.image_id
  instance_type          = var.instance_type
  update_default_version = true
  user_data = base64encode(templatefile("${path.module}/user_data.sh.tftpl", {
    app_environment = local.app_environment
    log_group       = local.log_group_name
    log_files       = var.log_files
  }))

  iam_instance_profile {
    arn = aws_iam_instance_profile.this.arn
  }

  network_interfaces {
    device_index                = 0
    associate_public_ip_address = false
    delete_on_termination       = true
    security_groups             = [var.security_group_id]
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  block_device_mappings {
    device_name = data.aws_ami.this.root_device_name

    ebs {
      volume_type           = "gp3"
      volume_size           = var.root_volume_size
      encrypted             = true
      delete_on_termination = true
    }
  }

  # One-minute metrics, so target tracking reacts within minutes rather than a quarter hour.
  monitoring {
    enabled = true
  }

  tag_specifications {
    resource_type = "instance"
    tags          = local.instance_tags
  }

  tag_specifications {
    resource_type = "volume"
    tags          = local.instance_tags
  }

  tag_specifications {
    resource_type = "network-interface"
    tags          = local.instance_tags
  }

  tags = merge(var.tags, {
    Name = "${var.name}-app"
  })
}

################################################################################
# Auto Scaling group across the private subnets, behind the load balancer
################################################################################

resource "aws_autoscaling_group" "this" {
  name                      = var.name
  min_size                  = var.min_size
  max_size                  = var.max_size
  desired_capacity          = var.desired_capacity
  vpc_zone_identifier       = var.subnet_ids
  target_group_arns         = var.target_group_arns
  health_check_type         = "ELB"
  health_check_grace_period = var.health_check_grace_period
  default_instance_warmup   = var.health_check_grace_period
  metrics_granularity       = "1Minute"
  enabled_metrics = [
    "GroupDesiredCapacity",
    "GroupInServiceInstances",
    "GroupMaxSize",
    "GroupMinSize",
    "GroupPendingInstances",
    "GroupTerminatingInstances",
    "GroupTotalInstances",
  ]

  launch_template {
    id      = aws_launch_template.this.id
    version = aws_launch_template.this.latest_version
  }

  # A new launch template version rolls through the group: new instances are launched and
  # healthy behind the load balancer before old ones go; a failed refresh rolls back.
  instance_refresh {
    strategy = "Rolling"

    preferences {
      min_healthy_percentage = 100
      max_healthy_percentage = 200
      instance_warmup        = var.health_check_grace_period
      auto_rollback          = true
    }
  }

  # Unhealthy instances are replaced the same way: the replacement first, then the old one.
  instance_maintenance_policy {
    min_healthy_percentage = 100
    max_healthy_percentage = 200
  }

  # The group's own tags, as plain blocks so scanners can read them (instances and volumes
  # get every tag through the launch template's tag_specifications).
  tag {
    key                 = "Name"
    value               = lookup(local.instance_tags, "Name", "")
    propagate_at_launch = false
  }

  tag {
    key                 = "App"
    value               = lookup(local.instance_tags, "App", "")
    propagate_at_launch = false
  }

  tag {
    key                 = "Environment"
    value               = lookup(local.instance_tags, "Environment", "")
    propagate_at_launch = false
  }

  tag {
    key                 = "Profile"
    value               = lookup(local.instance_tags, "Profile", "")
    propagate_at_launch = false
  }

  lifecycle {
    # After creation the scaling policy owns the desired capacity; an apply must not undo a
    # scale-out in the middle of a traffic peak.
    ignore_changes = [desired_capacity]
  }
}

resource "aws_autoscaling_policy" "cpu" {
  name                   = "${var.name}-cpu-target"
  autoscaling_group_name = aws_autoscaling_group.this.name
  policy_type            = "TargetTrackingScaling"

  target_tracking_configuration {
    target_value = var.cpu_target

    predefined_metric_specification {
      predefined_metric_type = "ASGAverageCPUUtilization"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "cpu_high" {
  alarm_name          = "${var.name}-app-cpu-high"
  alarm_description   = "Average app CPU above 85% for 15 minutes: scaling is not keeping up (group at max_size?)."
  namespace           = "AWS/EC2"
  metric_name         = "CPUUtilization"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  threshold           = 85
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  dimensions = {
    AutoScalingGroupName = aws_autoscaling_group.this.name
  }

  tags = var.tags
}
