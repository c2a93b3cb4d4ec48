// Append-only audit rows: SHA-256 hash chain over canonical JSON, each row signed with ed25519.
// Linear hash chain as in Haber & Stornetta (1991) time-stamping: each row hashes its predecessor; keys are passed in.
import {
  sign as edSign,
  verify as edVerify,
  type KeyObject,
} from 'node:crypto';
import { canonicalJson, sha256Hex } from './canonical';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  /** ISO time (passed in). */
  at: string;
  actor: string;
  action: string;
  subject: string;
  data?: Record<string, unknown>;
}

export interface AuditRow extends AuditEntry {
  seq: number;
  prevHash: string;
  /** SHA-256 hex of the canonical row without `hash` and `signature`. */
  hash: string;
  /** base64 ed25519 signature over `hash`. */
  signature: string;
}

function rowHash(row: Omit<AuditRow, 'hash' | 'signature'>): string {
  return sha256Hex(canonicalJson(row));
}

/** Appends `entry` after `prev` (or starts the chain), hashed and signed with `privateKey`. */
export function appendAudit(
  prev: AuditRow | undefined,
  entry: AuditEntry,
  privateKey: KeyObject,
): AuditRow {
  const body = {
    ...entry,
    seq: prev ? prev.seq + 1 : 0,
    prevHash: prev ? prev.hash : GENESIS_HASH,
  };
  const hash = rowHash(body);
  const signature = edSign(null, Buffer.from(hash, 'hex'), privateKey).toString(
    'base64',
  );
  return { ...body, hash, signature };
}

export interface ChainVerification {
  ok: boolean;
  /** Index of the first row that does not verify; -1 when all do. */
  brokenAt: number;
  reason?: 'hash' | 'link' | 'signature' | 'sequence';
}

/** Checks every row's hash, link to its predecessor, sequence number and signature, in order. */
export function verifyChain(
  rows: ReadonlyArray<AuditRow>,
  publicKey: KeyObject,
): ChainVerification {
  for (let i = 0; i < rows.length; i++) {
    const { hash, signature, ...body } = rows[i];
    const expectedPrev = i === 0 ? GENESIS_HASH : rows[i - 1].hash;
    if (body.seq !== (i === 0 ? rows[0].seq : rows[i - 1].seq + 1))
      return { ok: false, brokenAt: i, reason: 'sequence' };
    if (
      i === 0
        ? body.seq === 0 && body.prevHash !== GENESIS_HASH
        : body.prevHash !== expectedPrev
    )
      return { ok: false, brokenAt: i, reason: 'link' };
    if (rowHash(body) !== hash)
      return { ok: false, brokenAt: i, reason: 'hash' };
    let valid = false;
    try {
      valid = edVerify(
        null,
        Buffer.from(hash, 'hex'),
        publicKey,
        Buffer.from(signature, 'base64'),
      );
    } catch {
      valid = false;
    }
    if (!valid) return { ok: false, brokenAt: i, reason: 'signature' };
  }
  return { ok: true, brokenAt: -1 };
}
