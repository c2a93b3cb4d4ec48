resource "aws_autoscaling_group" "catalog_workers" {
  name                = "catalog-workers-staging"
  min_size            = 2
  max_size            = 12
  desired_capacity    = 6
  vpc_zone_identifier = var.private_subnet_ids

  launch_template {
    id      = aws_launch_template.catalog_workers.id
    version = "$Latest"
  }

  tag {
    key                 = "service"
    value               = "catalog"
    propagate_at_launch = true
  }
}
