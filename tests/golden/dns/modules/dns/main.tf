# The hosted zone is the account's, not this project's: it is looked up (or given by ID), never
# created or changed here, except for the records below.
data "aws_route53_zone" "this" {
  count = var.zone_id == null ? 1 : 0

  name         = var.zone_name
  private_zone = false
}

locals {
  zone_id = var.zone_id != null ? var.zone_id : data.aws_route53_zone.this[0].zone_id

  # The certificates tfgen issues: the load balancer's in the provider's region, CloudFront's
  # in us-east-1 (the only region CloudFront takes certificates from). Route 53 is global.
  certificates = {
    for key, cert in {
      alb = { names = var.alb_certificate_names, region = null }
      cdn = { names = var.cdn_certificate_names, region = "us-east-1" }
    } : key => cert if length(cert.names) > 0
  }

  # One validation record per certificate and name, keyed by names the spec knows at plan time
  # (not by domain_validation_options, which are only known once the certificate exists); a
  # wildcard and its base name share one record.
  validations = {
    for v in flatten([
      for key, cert in local.certificates : [
        for name in distinct([for n in cert.names : trimprefix(n, "*.")]) : { cert = key, name = name }
      ]
    ]) : "${v.cert} ${v.name}" => v
  }
  validation_options = {
    for key, cert in aws_acm_certificate.this : key => {
      for o in cert.domain_validation_options : trimprefix(o.domain_name, "*.") => o...
    }
  }

  cdn_records = {
    for pair in setproduct(var.cdn_record_names, ["A", "AAAA"]) : "${pair[0]} ${pair[1]}" => {
      name = pair[0]
      type = pair[1]
    }
  }
}

################################################################################
# Certificates: issued by ACM, validated through records in the zone, renewed by ACM
################################################################################

resource "aws_acm_certificate" "this" {
  for_each = local.certificates

  region                    = each.value.region
  domain_name               = each.value.names[0]
  subject_alternative_names = slice(each.value.names, 1, length(each.value.names))
  validation_method         = "DNS"

  options {
    certificate_transparency_logging_preference = "ENABLED"
  }

  tags = merge(var.tags, {
    Name = "${var.name}-${each.key}"
  })

  # A change of names issues the new certificate (and moves the listener or distribution to
  # it) before the old one is deleted: a certificate in use cannot be deleted.
  lifecycle {
    create_before_destroy = true
  }
}

# ACM may have left the same CNAME in the zone for an earlier certificate of these names (it is
# the same for every certificate of a name in an account): take it over instead of failing.
resource "aws_route53_record" "validation" {
  for_each = local.validations

  zone_id         = local.zone_id
  name            = local.validation_options[each.value.cert][each.value.name][0].resource_record_name
  type            = local.validation_options[each.value.cert][each.value.name][0].resource_record_type
  records         = [local.validation_options[each.value.cert][each.value.name][0].resource_record_value]
  ttl             = 60
  allow_overwrite = true
}

# Waits (up to 75 minutes, the provider's default) until ACM has issued the certificate: the
# listener and the distribution only ever get an issued one.
resource "aws_acm_certificate_validation" "this" {
  for_each = local.certificates

  region                  = each.value.region
  certificate_arn         = aws_acm_certificate.this[each.key].arn
  validation_record_fqdns = [for key, v in local.validations : aws_route53_record.validation[key].fqdn if v.cert == each.key]
}

################################################################################
# Alias records: the app's names point at the load balancer and the distribution
################################################################################

# A only: the load balancer is IPv4 (the VPC has no IPv6), so an AAAA record would answer nothing.
resource "aws_route53_record" "alb" {
  # checkov:skip=CKV2_AWS_23: the alias targets this environment's own load balancer (module.alb's lb_dns_name, in the same state); a plan scan sees its name unknown until apply and no connection across modules
  for_each = toset(var.alb_record_names)

  zone_id = local.zone_id
  name    = each.value
  type    = "A"

  alias {
    name                   = var.alb_dns_name
    zone_id                = var.alb_zone_id
    evaluate_target_health = true
  }
}

# A and AAAA: the distribution answers over IPv4 and IPv6 (is_ipv6_enabled). CloudFront takes
# no target health evaluation.
resource "aws_route53_record" "cdn" {
  # checkov:skip=CKV2_AWS_23: the alias targets this environment's own distribution (module.cloudfront's domain_name, in the same state); a plan scan sees its name unknown until apply and no connection across modules
  for_each = local.cdn_records

  zone_id = local.zone_id
  name    = each.value.name
  type    = each.value.type

  alias {
    name                   = var.cdn_domain_name
    zone_id                = var.cdn_hosted_zone_id
    evaluate_target_health = false
  }
}
