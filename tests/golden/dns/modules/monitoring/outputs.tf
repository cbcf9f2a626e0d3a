output "sns_topic_arn" {
  description = "ARN of the SNS topic every alarm notifies (pass it to the modules as alarm_topic_arn)."
  value       = aws_sns_topic_policy.alarms.arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting the alarm topic."
  value       = aws_kms_key.alarms.arn
}

output "budget_name" {
  description = "Name of the monthly cost budget, or null when there is none."
  value       = one(aws_budgets_budget.monthly[*].name)
}
