import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { IngestResult } from '@devops-copilot/backstage-plugin-copilot-common';
import type { IngestService } from '../pipeline/IngestService';

/** Outcome of a streamed NDJSON ingest. */
export interface NdjsonIngestOutcome {
  result: IngestResult;
  /** Lines read (blank lines excluded). */
  lines: number;
  /** sha256 of the body's lines, to recognise a retried request. */
  bodyHash: string;
  /** True when the body passed `maxBytes` and reading stopped there. */
  truncated: boolean;
}

/** Hashes an NDJSON body the same way {@link ingestNdjson} does, without ingesting it. */
export async function hashNdjson(body: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const line of createInterface({
    input: body,
    crlfDelay: Infinity,
  })) {
    if (line.trim()) hash.update(`${line}\n`);
  }
  return hash.digest('hex');
}

/**
 * Ingests newline-delimited JSON signals as they arrive, `chunkSize` at a time, so the body is never
 * held in memory whole. Errors carry the 0-based line number as `index`.
 */
export async function ingestNdjson(
  body: Readable,
  ingest: IngestService,
  options: { chunkSize: number; maxBytes: number },
): Promise<NdjsonIngestOutcome> {
  const hash = createHash('sha256');
  const total: IngestResult = {
    accepted: 0,
    rejected: 0,
    unresolved: 0,
    errors: [],
  };
  let items: unknown[] = [];
  let lineNumbers: number[] = [];
  let lineNo = -1;
  let lines = 0;
  let bytes = 0;
  let truncated = false;

  const flush = async () => {
    if (items.length === 0) return;
    const r = await ingest.ingest(items);
    total.accepted += r.accepted;
    total.unresolved += r.unresolved;
    if (r.withheld) total.withheld = (total.withheld ?? 0) + r.withheld;
    for (const e of r.errors)
      total.errors.push({ ...e, index: lineNumbers[e.index] });
    items = [];
    lineNumbers = [];
  };

  const reader = createInterface({ input: body, crlfDelay: Infinity });
  for await (const line of reader) {
    lineNo += 1;
    bytes += Buffer.byteLength(line) + 1;
    if (bytes > options.maxBytes) {
      truncated = true;
      reader.close();
      body.resume();
      break;
    }
    if (!line.trim()) continue;
    lines += 1;
    hash.update(`${line}\n`);
    try {
      items.push(JSON.parse(line));
      lineNumbers.push(lineNo);
    } catch (e) {
      total.errors.push({
        index: lineNo,
        field: '(line)',
        reason: `not valid JSON: ${(e as Error).message}`,
      });
    }
    if (items.length >= options.chunkSize) await flush();
  }
  await flush();
  total.rejected = new Set(total.errors.map(e => e.index)).size;
  total.errors.sort((a, b) => a.index - b.index);
  return { result: total, lines, bodyHash: hash.digest('hex'), truncated };
}
