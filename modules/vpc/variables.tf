variable "name" {
  description = "Name prefix of every resource, <app>-<environment>."
  type        = string
}

variable "cidr" {
  description = "CIDR block of the VPC."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr, 0))
    error_message = "cidr must be a valid IPv4 CIDR block."
  }
}

variable "azs" {
  description = "Availability zones to spread the subnets over, in order."
  type        = list(string)
}

variable "public_subnets" {
  description = "CIDRs of the public subnets (load balancer, NAT), one per AZ."
  type        = list(string)
}

variable "private_subnets" {
  description = "CIDRs of the private app subnets, one per AZ."
  type        = list(string)
}

variable "database_subnets" {
  description = "CIDRs of the database subnets, one per AZ. No route to the internet."
  type        = list(string)
}

variable "cache_subnets" {
  description = "CIDRs of the cache subnets, one per AZ. No route to the internet."
  type        = list(string)
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all AZs (cheaper) instead of one per AZ (survives an AZ outage)."
  type        = bool
}

variable "interface_endpoints" {
  description = "Services (e.g. ssm, secretsmanager, logs) reached through interface endpoints in the private subnets instead of the NAT; empty for none."
  type        = list(string)
  default     = []
}

variable "flow_log_traffic_type" {
  description = "What the flow logs record: REJECT (refused connections only, a fraction of the volume) or ALL."
  type        = string
  default     = "ALL"

  validation {
    condition     = contains(["REJECT", "ALL"], var.flow_log_traffic_type)
    error_message = "flow_log_traffic_type must be REJECT or ALL."
  }
}

variable "flow_log_retention_days" {
  description = "Days CloudWatch Logs keeps the VPC flow logs."
  type        = number
}

variable "app_port" {
  description = "Port the app instances listen on; the only port the ALB may reach them on."
  type        = number
}

variable "database_port" {
  description = "Port of the database; only the app tier may reach it."
  type        = number
}

variable "cache_port" {
  description = "Port of the cache; only the app tier may reach it."
  type        = number
}
