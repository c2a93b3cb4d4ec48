/** One part of a multipart/form-data body. */
export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** The boundary of a multipart/form-data Content-Type, or undefined. */
export function multipartBoundary(contentType: string | undefined) {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2]).trim() : undefined;
}

/**
 * Parses a buffered multipart/form-data body (RFC 7578). Small and strict: throws an Error naming what is
 * wrong when the body does not follow the boundary framing.
 */
export function parseMultipart(
  body: Buffer,
  boundary: string,
): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new Error('multipart body has no boundary line');
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break;
    if (body.subarray(pos, pos + 2).toString() === '\r\n') pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw new Error('multipart part has no header end');
    const headers = body
      .subarray(pos, headerEnd)
      .toString('utf8')
      .split('\r\n');
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headerEnd + 4);
    if (next < 0)
      throw new Error('multipart part is not terminated by the boundary');
    const data = body.subarray(headerEnd + 4, next);
    let name: string | undefined;
    let filename: string | undefined;
    let contentType: string | undefined;
    for (const h of headers) {
      const [key, ...rest] = h.split(':');
      const value = rest.join(':').trim();
      if (key.toLowerCase() === 'content-disposition') {
        name = /\bname="([^"]*)"/i.exec(value)?.[1];
        filename = /\bfilename="([^"]*)"/i.exec(value)?.[1];
      } else if (key.toLowerCase() === 'content-type') {
        contentType = value;
      }
    }
    if (!name)
      throw new Error('multipart part has no name in Content-Disposition');
    parts.push({
      name,
      ...(filename !== undefined ? { filename } : {}),
      ...(contentType ? { contentType } : {}),
      data,
    });
    pos = next + 2;
  }
  return parts;
}
