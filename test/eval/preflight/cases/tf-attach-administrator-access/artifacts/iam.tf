resource "aws_iam_role_policy_attachment" "orders_admin" {
  role       = aws_iam_role.orders.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
