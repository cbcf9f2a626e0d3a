variable "name" {
  description = "Name prefix of every resource, <app>-<environment>."
  type        = string
}

variable "tags" {
  description = "Tags for every resource (the same as the provider's default_tags, repeated so scanners see them)."
  type        = map(string)
  default     = {}
}

variable "schedule" {
  description = "When the plan backs up and copies: an AWS cron expression, UTC."
  type        = string
}

variable "retention_days" {
  description = "Days each recovery point, and each copy, is kept."
  type        = number
}

variable "copy_region" {
  description = "The second region every recovery point is copied to (a vault with its own key and lock there)."
  type        = string
}

variable "copy_vault_arn" {
  description = "A vault in a second account that gets a copy too, or null."
  type        = string
  default     = null
}

variable "lock_mode" {
  description = "Vault Lock mode: governance (removable by a principal allowed to) or compliance (immutable after lock_changeable_days)."
  type        = string

  validation {
    condition     = contains(["governance", "compliance"], var.lock_mode)
    error_message = "lock_mode must be governance or compliance."
  }
}

variable "lock_min_retention_days" {
  description = "Vault Lock: no recovery point can be deleted before this many days."
  type        = number
}

variable "lock_max_retention_days" {
  description = "Vault Lock: the longest retention the vaults accept, or null for no limit."
  type        = number
  default     = null
}

variable "break_glass_principals" {
  description = "IAM roles or users that may assume the break-glass role (with MFA); empty: the account (its IAM policies decide)."
  type        = list(string)
  default     = []
}

variable "lock_changeable_days" {
  description = "Compliance mode: days after the apply during which the lock can still be removed (at least 3)."
  type        = number
  default     = 3
}

variable "database" {
  description = "Back up the RDS database (the plan's selection, the restore test)."
  type        = bool
  default     = false
}

variable "database_instance_id" {
  description = "Identifier of the RDS instance to back up, or null."
  type        = string
  default     = null
}

variable "database_kms_key_arn" {
  description = "KMS key of the database's storage and snapshots (the backup role copies and restores them)."
  type        = string
  default     = null
}

variable "database_subnet_group_name" {
  description = "DB subnet group a restore test restores into."
  type        = string
  default     = null
}

variable "database_security_group_id" {
  description = "Security group a restore test's instance gets."
  type        = string
  default     = null
}

variable "restore_testing" {
  description = "Restore the latest database recovery point on restore_test_schedule, check it, delete it."
  type        = bool
  default     = true
}

variable "restore_test_schedule" {
  description = "When the restore test runs: an AWS cron expression, UTC."
  type        = string
  default     = "cron(0 6 ? * SAT *)"
}

variable "static_bucket" {
  description = "Back up the static bucket (it holds user content)."
  type        = bool
  default     = false
}

variable "static_bucket_arn" {
  description = "ARN of the static bucket, or null."
  type        = string
  default     = null
}

variable "static_kms_key_arn" {
  description = "KMS key of the static bucket's objects, or null."
  type        = string
  default     = null
}

variable "alarm_topic_arn" {
  description = "SNS topic the failed-job alarms notify."
  type        = string
}
