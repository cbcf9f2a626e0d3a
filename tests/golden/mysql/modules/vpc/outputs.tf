output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "azs" {
  description = "Availability zones the subnets are spread over."
  value       = var.azs
}

output "public_subnet_ids" {
  description = "IDs of the public subnets, one per AZ."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "IDs of the private app subnets, one per AZ."
  value       = aws_subnet.private[*].id
}

output "database_subnet_ids" {
  description = "IDs of the database subnets, one per AZ."
  value       = aws_subnet.database[*].id
}

output "cache_subnet_ids" {
  description = "IDs of the cache subnets, one per AZ."
  value       = aws_subnet.cache[*].id
}

output "database_subnet_group_name" {
  description = "Name of the RDS subnet group."
  value       = aws_db_subnet_group.this.name
}

output "nat_gateway_ids" {
  description = "IDs of the NAT gateways (one, or one per AZ), in the order of azs: the environment root's port-allocation alarms and dashboard use them."
  value       = aws_nat_gateway.this[*].id
}

output "nat_public_ips" {
  description = "Public IPs of the NAT gateways (what third parties see as the app's egress IPs)."
  value       = aws_eip.nat[*].public_ip
}

output "flow_log_group_name" {
  description = "CloudWatch log group of the VPC flow logs."
  value       = aws_cloudwatch_log_group.flow_logs.name
}

output "alb_security_group_id" {
  description = "Security group of the load balancer (80/443 from anywhere, out to the app port)."
  value       = aws_security_group.alb.id
}

output "app_security_group_id" {
  description = "Security group of the app instances (app port from the ALB only)."
  value       = aws_security_group.app.id
}

output "database_security_group_id" {
  description = "Security group of the database (its port from the app tier only)."
  value       = aws_security_group.database.id
}
