variable "name" {
  description = "Name prefix of every resource, <app>-<environment>."
  type        = string
}

variable "tags" {
  description = "Tags for every resource (the same as the provider's default_tags, repeated so scanners see them)."
  type        = map(string)
  default     = {}
}

variable "zone_id" {
  description = "ID of the public Route 53 hosted zone, or null to look it up by zone_name."
  type        = string
  default     = null
}

variable "zone_name" {
  description = "Name of the public hosted zone (looked up when zone_id is null)."
  type        = string
  default     = null

  validation {
    condition     = var.zone_id != null || var.zone_name != null
    error_message = "Give the hosted zone by zone_id or by zone_name."
  }
}

variable "alb_certificate_names" {
  description = "Names of the ACM certificate issued for the load balancer (in its region); empty: none is issued (the spec gives one)."
  type        = list(string)
  default     = []
}

variable "alb_record_names" {
  description = "Names pointed at the load balancer (alias A records)."
  type        = list(string)
  default     = []
}

variable "alb_dns_name" {
  description = "DNS name of the load balancer, the alias records' target."
  type        = string
}

variable "alb_zone_id" {
  description = "Route 53 zone ID of the load balancer."
  type        = string
}

variable "cdn_certificate_names" {
  description = "Names of the ACM certificate issued in us-east-1 for CloudFront; empty: none is issued."
  type        = list(string)
  default     = []
}

variable "cdn_record_names" {
  description = "Names pointed at the CloudFront distribution (alias A and AAAA records)."
  type        = list(string)
  default     = []
}

variable "cdn_domain_name" {
  description = "Domain name of the distribution (*.cloudfront.net), or null without a CDN."
  type        = string
  default     = null
}

variable "cdn_hosted_zone_id" {
  description = "Route 53 zone ID of the distribution, or null without a CDN."
  type        = string
  default     = null
}
