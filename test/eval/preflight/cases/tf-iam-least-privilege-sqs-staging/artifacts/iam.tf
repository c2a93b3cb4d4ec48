data "aws_iam_policy_document" "orders_queue" {
  statement {
    effect = "Allow"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:ChangeMessageVisibility",
    ]
    resources = [aws_sqs_queue.orders.arn]
  }
}

resource "aws_iam_role_policy" "orders_queue" {
  name   = "orders-queue-consumer"
  role   = aws_iam_role.orders.id
  policy = data.aws_iam_policy_document.orders_queue.json
}
