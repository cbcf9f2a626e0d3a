output "autoscaling_group_name" {
  description = "Name of the Auto Scaling group."
  value       = aws_autoscaling_group.this.name
}

output "autoscaling_group_arn" {
  description = "ARN of the Auto Scaling group."
  value       = aws_autoscaling_group.this.arn
}

output "iam_role_name" {
  description = "Name of the instance role (attach more policies to it)."
  value       = aws_iam_role.this.name
}

output "iam_role_arn" {
  description = "ARN of the instance role."
  value       = aws_iam_role.this.arn
}

output "launch_template_id" {
  description = "ID of the launch template."
  value       = aws_launch_template.this.id
}

output "launch_template_latest_version" {
  description = "Latest version of the launch template (the group follows it through instance refresh)."
  value       = aws_launch_template.this.latest_version
}

output "log_group_name" {
  description = "CloudWatch log group for the app's logs (LOG_GROUP in /etc/app.env)."
  value       = aws_cloudwatch_log_group.app.name
}
