output "primary_endpoint_address" {
  description = "Address of the primary node (reads and writes)."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "reader_endpoint_address" {
  description = "Address that spreads reads over the replicas (the primary when there are none)."
  value       = aws_elasticache_replication_group.this.reader_endpoint_address
}

output "port" {
  description = "Port of the cache (TLS required)."
  value       = aws_elasticache_replication_group.this.port
}

output "auth_token_secret_arn" {
  description = "Secrets Manager secret holding the AUTH token as a plain string (readers need kms:Decrypt on kms_key_arn)."
  value       = aws_secretsmanager_secret.auth_token.arn
}

output "replication_group_id" {
  description = "ID of the replication group."
  value       = aws_elasticache_replication_group.this.id
}

output "kms_key_arn" {
  description = "KMS key of the data at rest, the auth token secret and the slow log."
  value       = aws_kms_key.this.arn
}

output "member_cluster_ids" {
  description = "Cache cluster ids of the nodes, primary first (the CacheClusterId of their metrics)."
  value       = local.member_clusters
}
