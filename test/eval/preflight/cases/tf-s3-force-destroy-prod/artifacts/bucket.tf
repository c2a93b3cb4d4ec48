resource "aws_s3_bucket" "catalog_media" {
  bucket        = "acme-catalog-media-prod"
  force_destroy = true

  tags = {
    service = "catalog"
  }
}
