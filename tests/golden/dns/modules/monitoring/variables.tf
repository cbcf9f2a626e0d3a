variable "name" {
  description = "Name prefix of every resource, <app>-<environment>."
  type        = string
}

variable "tags" {
  description = "Tags for every resource (the same as the provider's default_tags, repeated so scanners see them)."
  type        = map(string)
  default     = {}
}

variable "alarm_email" {
  description = "Email address subscribed to the alarm topic (AWS asks it to confirm) and sent budget alerts; null for none."
  type        = string
  default     = null
}

variable "monthly_budget_usd" {
  description = "Monthly AWS cost budget in USD: alerts at 80% actual and 100% forecasted spend; null for no budget."
  type        = number
  default     = null

  validation {
    condition     = var.monthly_budget_usd == null || try(var.monthly_budget_usd > 0, false)
    error_message = "monthly_budget_usd must be a positive amount (or null)."
  }
}

variable "budget_cost_filters" {
  description = "What the budget measures, as AWS Budgets cost filters (name => values): the environment's account (LinkedAccount) or its Environment cost-allocation tag (TagKeyValue, user:Environment$<env>; activate the tag for cost allocation first)."
  type        = map(list(string))
  default     = {}
}

variable "us_east_1_topic" {
  description = "Create a second alarm topic in us-east-1 for CloudFront's alarm: true when the environment has a CDN and is in another region."
  type        = bool
  default     = false
}
