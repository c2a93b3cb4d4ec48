resource "aws_iam_role_policy" "orders" {
  name = "orders-access"
  role = aws_iam_role.orders.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "*"
      Resource = "*"
    }]
  })
}
