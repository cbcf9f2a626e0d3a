variable "name" {
  description = "Name prefix of every resource, <app>-<environment>."
  type        = string
}

variable "tags" {
  description = "Tags for every resource (the same as the provider's default_tags, repeated so scanners see them)."
  type        = map(string)
  default     = {}
}

variable "subnet_ids" {
  description = "Private app subnets the instances are spread over, one per AZ."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the app instances (from the vpc module: app port from the load balancer only, no SSH)."
  type        = string
}

variable "target_group_arns" {
  description = "Load balancer target groups the instances register with; their health checks decide instance health."
  type        = list(string)
}

variable "ami" {
  description = "AMI of the instances: an AMI id (ami-...) or the name of an SSM parameter (/...) that holds one, resolved at each launch."
  type        = string

  validation {
    condition     = can(regex("^(ami-[0-9a-f]{8,17}|/[A-Za-z0-9_./-]+)$", var.ami))
    error_message = "ami must be an AMI id (ami-...) or an SSM parameter name starting with /."
  }
}

variable "ami_owners" {
  description = "The accounts the AMI may come from (account ids, self, amazon, aws-marketplace): the lookup fails for an image of anyone else."
  type        = list(string)

  validation {
    condition     = length(var.ami_owners) > 0
    error_message = "ami_owners must name at least one account."
  }
}

variable "instance_type" {
  description = "EC2 instance type."
  type        = string
}

variable "min_size" {
  description = "Fewest instances the group scales in to."
  type        = number
}

variable "max_size" {
  description = "Most instances the group scales out to."
  type        = number
}

variable "desired_capacity" {
  description = "Instances at creation; afterwards the CPU target tracking policy sets it."
  type        = number
}

variable "cpu_target" {
  description = "Average CPU utilisation (percent) the group scales to hold."
  type        = number

  validation {
    condition     = var.cpu_target >= 10 && var.cpu_target <= 90
    error_message = "cpu_target must be between 10 and 90."
  }
}

variable "health_check_grace_period" {
  description = "Seconds after launch before failed load balancer health checks replace an instance."
  type        = number
}

variable "root_volume_size" {
  description = "Size of the encrypted gp3 root volume, GiB."
  type        = number
}

variable "iam_policy_arns" {
  description = "Extra managed policy ARNs attached to the instance role (besides SSM Session Manager and the CloudWatch agent)."
  type        = list(string)
  default     = []
}

variable "app_environment" {
  description = "Settings written to /etc/app.env at boot (APP_PORT, DB_HOST, DB_SECRET_ARN, ...): endpoints and secret ARNs, never secret values."
  type        = map(string)

  validation {
    condition     = alltrue([for k in keys(var.app_environment) : can(regex("^[A-Z_][A-Z0-9_]*$", k))])
    error_message = "app_environment keys must be upper-case shell variable names."
  }
}

variable "secret_arns" {
  description = "Secrets Manager secrets the instances may read (secretsmanager:GetSecretValue); empty for none."
  type        = list(string)
  default     = []
}

variable "log_retention_days" {
  description = "Days CloudWatch Logs keeps the app's log group."
  type        = number
}

variable "log_files" {
  description = "The app's log files (absolute paths, globs allowed) the CloudWatch agent ships to the app's log group, one stream per instance."
  type        = list(string)
  default     = ["/var/log/app/*.log"]

  validation {
    condition     = length(var.log_files) > 0 && alltrue([for f in var.log_files : startswith(f, "/")])
    error_message = "log_files must name at least one absolute path."
  }
}

variable "alarm_topic_arn" {
  description = "SNS topic the CloudWatch alarms notify (alarm and OK)."
  type        = string
}

variable "db_connect_arns" {
  description = "rds-db:connect resources (dbuser ARNs) the app may connect to with IAM database authentication."
  type        = list(string)
  default     = []
}

variable "static_buckets" {
  description = "The static-files bucket the app may read and write (ARN and its KMS key's ARN): zero or one."
  type = list(object({
    arn         = string
    kms_key_arn = string
  }))
  default = []
}
