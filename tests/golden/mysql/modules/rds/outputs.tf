output "endpoint" {
  description = "Address (host name) of the primary instance."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port the database listens on."
  value       = aws_db_instance.this.port
}

output "master_user_secret_arn" {
  description = "ARN of the Secrets Manager secret RDS keeps the master user's credentials in (JSON: username, password)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "replica_endpoints" {
  description = "Addresses of the read replicas."
  value       = aws_db_instance.replica[*].address
}

output "iam_connect_arns" {
  description = "rds-db:connect resources for iam_user on the primary and every replica: what the app role is granted."
  value = [
    for id in concat([aws_db_instance.this.resource_id], aws_db_instance.replica[*].resource_id) :
    "arn:${data.aws_partition.current.partition}:rds-db:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:dbuser:${id}/${var.iam_user}"
  ]
}

output "instance_id" {
  description = "Identifier of the primary instance (the DBInstanceIdentifier of its metrics)."
  value       = aws_db_instance.this.identifier
}

output "db_name" {
  description = "Name of the database created with the instance."
  value       = aws_db_instance.this.db_name
}

output "kms_key_arn" {
  description = "KMS key of the storage, Performance Insights, logs and the master user secret (readers of the secret need kms:Decrypt on it)."
  value       = aws_kms_key.this.arn
}

output "parameter_group_name" {
  description = "Name of the DB parameter group (TLS required, query logging)."
  value       = aws_db_parameter_group.this.name
}
