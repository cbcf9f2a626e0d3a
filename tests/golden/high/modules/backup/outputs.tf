output "vault_name" {
  description = "The AWS Backup vault in the app's region."
  value       = aws_backup_vault.this.name
}

output "vault_arn" {
  description = "ARN of the AWS Backup vault in the app's region."
  value       = aws_backup_vault.this.arn
}

output "copy_vault_name" {
  description = "The vault in the copy region."
  value       = aws_backup_vault.copy.name
}

output "copy_vault_arn" {
  description = "ARN of the vault in the copy region."
  value       = aws_backup_vault.copy.arn
}

output "plan_id" {
  description = "ID of the AWS Backup plan."
  value       = aws_backup_plan.this.id
}

output "role_arn" {
  description = "ARN of the role AWS Backup uses (also for restores)."
  value       = aws_iam_role.backup.arn
}

output "break_glass_role_arn" {
  description = "ARN of the only role the vaults let delete recovery points (assume it with MFA)."
  value       = aws_iam_role.break_glass.arn
}

output "vault_kms_key_arn" {
  description = "ARN of the vault's KMS key."
  value       = aws_kms_key.vault.arn
}
