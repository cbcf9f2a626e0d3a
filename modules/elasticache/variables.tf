variable "name" {
  description = "Name prefix of every resource, <app>-<environment>."
  type        = string

  validation {
    condition     = length(var.name) <= 34
    error_message = "name must be at most 34 characters (the replication group id, name + \"-cache\", takes at most 40)."
  }
}

variable "tags" {
  description = "Tags for every resource (the same as the provider's default_tags, repeated so scanners see them)."
  type        = map(string)
  default     = {}
}

variable "subnet_group_name" {
  description = "ElastiCache subnet group (the VPC's cache subnets, no route to the internet)."
  type        = string
}

variable "security_group_id" {
  description = "Security group of the cache: reachable from the app tier on the cache port only."
  type        = string
}

variable "engine_version" {
  description = "valkey version, major.minor (e.g. 8.0); minor upgrades are automatic."
  type        = string

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must be major.minor, such as 8.0."
  }
}

variable "node_type" {
  description = "Node type of the primary and of every replica, e.g. cache.t4g.micro."
  type        = string
}

variable "replicas" {
  description = "Read replicas of the primary (num_cache_clusters = 1 + replicas)."
  type        = number

  validation {
    condition     = var.replicas >= 0 && var.replicas <= 5
    error_message = "replicas must be between 0 and 5."
  }
}

variable "automatic_failover" {
  description = "Promote a replica in another AZ when the primary fails (Multi-AZ); needs replicas >= 1."
  type        = bool
}

variable "auth_token_version" {
  description = "Version of the AUTH token: raise it to write a new generated token to the replication group and its secret (the token itself is never in the state)."
  type        = number
  default     = 1

  validation {
    condition     = var.auth_token_version >= 1 && floor(var.auth_token_version) == var.auth_token_version
    error_message = "auth_token_version must be a whole number, 1 or more."
  }
}

variable "snapshot_retention_days" {
  description = "Days of daily snapshots kept (0 turns snapshots off)."
  type        = number
}

variable "snapshot_window" {
  description = "Daily snapshot window, UTC, hh:mm-hh:mm; must not overlap the maintenance window."
  type        = string
  default     = "01:00-02:00"
}

variable "maintenance_window" {
  description = "Weekly maintenance window, UTC, ddd:hh:mm-ddd:hh:mm."
  type        = string
  default     = "sun:05:30-sun:06:30"
}

variable "log_retention_days" {
  description = "Days CloudWatch Logs keeps the slow log."
  type        = number
}

variable "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  type        = string
}
