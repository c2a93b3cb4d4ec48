import { generateKeyPairSync } from 'node:crypto';
import { appendAudit, GENESIS_HASH, verifyChain, type AuditRow } from './audit';
import { canonicalJson } from './canonical';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(
      canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } }),
    ).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/non-finite/);
  });
});

describe('audit chain', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519');

  function chain(n: number): AuditRow[] {
    const rows: AuditRow[] = [];
    for (let i = 0; i < n; i++)
      rows.push(
        appendAudit(
          rows[i - 1],
          {
            at: `2026-12-01T10:0${i}:00Z`,
            actor: 'user:default/alice',
            action: 'fix.execute',
            subject: `plan-${i}`,
            data: { step: i },
          },
          privateKey,
        ),
      );
    return rows;
  }

  it('links rows by prevHash from the genesis hash and verifies', () => {
    const rows = chain(4);
    expect(rows[0].prevHash).toBe(GENESIS_HASH);
    expect(rows[2].prevHash).toBe(rows[1].hash);
    expect(verifyChain(rows, publicKey)).toEqual({ ok: true, brokenAt: -1 });
  });

  it('reports the first row whose content was changed', () => {
    const rows = chain(5);
    rows[2] = { ...rows[2], data: { step: 99 } };
    expect(verifyChain(rows, publicKey)).toEqual({
      ok: false,
      brokenAt: 2,
      reason: 'hash',
    });
  });

  it('reports a re-hashed row by its broken link or signature', () => {
    const rows = chain(3);
    const forged = appendAudit(
      rows[0],
      { at: 'x', actor: 'mallory', action: 'fix.execute', subject: 'plan-x' },
      other.privateKey,
    );
    rows[1] = forged;
    const res = verifyChain(rows, publicKey);
    expect(res.ok).toBe(false);
    expect(res.brokenAt).toBe(1);
    expect(res.reason).toBe('signature');
  });

  it('detects a deleted row', () => {
    const rows = chain(4);
    rows.splice(1, 1);
    expect(verifyChain(rows, publicKey)).toMatchObject({
      ok: false,
      brokenAt: 1,
    });
  });

  it('rejects signatures from another key', () => {
    expect(verifyChain(chain(2), other.publicKey)).toMatchObject({
      ok: false,
      brokenAt: 0,
      reason: 'signature',
    });
  });
});
