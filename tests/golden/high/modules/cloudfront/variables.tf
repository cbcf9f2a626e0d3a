variable "name" {
  description = "Name prefix of every resource, <app>-<environment>."
  type        = string
}

variable "tags" {
  description = "Tags for every resource (the same as the provider's default_tags, repeated so scanners see them)."
  type        = map(string)
  default     = {}
}

variable "static_bucket_regional_domain_name" {
  description = "Regional domain name of the static files bucket, the default origin."
  type        = string
}

variable "log_bucket_domain_name" {
  description = "Domain name (<bucket>.s3.amazonaws.com) of the bucket receiving the standard access logs; it must have ACLs enabled."
  type        = string
}

variable "aliases" {
  description = "Alternate domain names served, covered by certificate_arn."
  type        = list(string)
  default     = []
}

variable "certificate_arn" {
  description = "ACM certificate (in us-east-1) for the aliases; null serves only the *.cloudfront.net name."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:us-east-1:", var.certificate_arn))
    error_message = "CloudFront only takes ACM certificates from us-east-1."
  }
}

variable "hsts_preload" {
  description = "Whether the HSTS header asks browsers' preload lists to include the domain (only when the spec asks: it binds every subdomain to HTTPS)."
  type        = bool
  default     = false
}

variable "price_class" {
  description = "Edge locations used: PriceClass_100 (North America, Europe), PriceClass_200 or PriceClass_All."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "web_acl_id" {
  description = "ARN of a WAFv2 web ACL (CLOUDFRONT scope, us-east-1) to protect the distribution; null for none."
  type        = string
  default     = null
}

variable "alb_domain_name" {
  description = "Domain name of the load balancer, as on its certificate: the origin of dynamic_paths. CloudFront connects over HTTPS and checks it."
  type        = string
  default     = null
}

variable "dynamic_paths" {
  description = "Path patterns sent to the load balancer uncached (e.g. /api/*), in order of precedence."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.dynamic_paths) == 0 || var.alb_domain_name != null
    error_message = "dynamic_paths need alb_domain_name (the load balancer's domain name)."
  }
}

variable "lock_origin" {
  description = "Send the load balancer the generated origin header, which its listener rule requires (cdn.lock_origin); needs dynamic_paths."
  type        = bool
  default     = false

  validation {
    condition     = !var.lock_origin || length(var.dynamic_paths) > 0
    error_message = "lock_origin needs dynamic_paths (CloudFront sends the load balancer only those)."
  }
}

variable "origin_header_version" {
  description = "Version of the generated origin header value: raise it to rotate the value."
  type        = number
  default     = 1
}

variable "alarm_topic_arn" {
  description = "SNS topic in us-east-1 the error-rate alarm notifies (CloudFront's metrics and so its alarm are in us-east-1; an alarm notifies topics of its own region only)."
  type        = string

  validation {
    condition     = split(":", var.alarm_topic_arn)[3] == "us-east-1"
    error_message = "alarm_topic_arn must be a topic in us-east-1, where CloudFront's alarm is."
  }
}

variable "error_rate_percent" {
  description = "5xx responses per 100 requests over 5 minutes at which the error-rate alarm fires."
  type        = number

  validation {
    condition     = var.error_rate_percent > 0 && var.error_rate_percent <= 100
    error_message = "error_rate_percent must be above 0 and at most 100."
  }
}

variable "error_rate_min_requests" {
  description = "Requests in 5 minutes below which the error-rate alarm stays OK (a handful of requests is no rate)."
  type        = number
  default     = 50
}
