resource "aws_s3_bucket_policy" "catalog_media" {
  bucket = aws_s3_bucket.catalog_media.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "PublicRead"
      Effect    = "Allow"
      Principal = "*"
      Action    = ["s3:GetObject"]
      Resource  = "${aws_s3_bucket.catalog_media.arn}/*"
    }]
  })
}
