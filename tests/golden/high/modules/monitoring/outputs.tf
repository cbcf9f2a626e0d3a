output "sns_topic_arn" {
  description = "ARN of the SNS topic every alarm notifies (pass it to the modules as alarm_topic_arn)."
  value       = aws_sns_topic_policy.alarms.arn
}

output "us_east_1_sns_topic_arn" {
  description = "ARN of the alarm topic in us-east-1, for CloudFront's alarm: the second topic, or the main one when the environment is in us-east-1."
  value       = var.us_east_1_topic ? aws_sns_topic_policy.us_east_1[0].arn : aws_sns_topic_policy.alarms.arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting the alarm topic."
  value       = aws_kms_key.alarms.arn
}

output "budget_name" {
  description = "Name of the monthly cost budget, or null when there is none."
  value       = one(aws_budgets_budget.monthly[*].name)
}
