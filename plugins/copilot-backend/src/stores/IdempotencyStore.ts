import type { Knex } from 'knex';
import { ConflictError } from '@backstage/errors';
import { toMs } from './util';

/** The first answer given to a request carrying an `Idempotency-Key`. */
export interface StoredResponse {
  statusCode: number;
  body: unknown;
}

/**
 * Remembers the answer to each (scope, Idempotency-Key) so that a retried request is answered the same
 * way without being applied twice. Keys expire after `ttlMs`.
 */
export class IdempotencyStore {
  private constructor(
    private readonly db: Knex,
    private readonly ttlMs: number,
  ) {}

  static create(options: { database: Knex; ttlMs?: number }): IdempotencyStore {
    return new IdempotencyStore(
      options.database,
      options.ttlMs ?? 24 * 3600_000,
    );
  }

  /**
   * The stored answer for this key, or undefined. A key reused with a different request body is a
   * client error (409), as in the IETF Idempotency-Key draft.
   */
  async lookup(
    scope: string,
    key: string,
    requestHash: string,
    nowMs: number,
  ): Promise<StoredResponse | undefined> {
    const row = await this.db('idempotency_keys').where({ scope, key }).first();
    if (!row) return undefined;
    if (toMs(row.created_at) < nowMs - this.ttlMs) {
      await this.db('idempotency_keys').where({ scope, key }).delete();
      return undefined;
    }
    if (row.request_hash !== requestHash) {
      throw new ConflictError(
        `Idempotency-Key '${key}' was already used for a different request body; use a new key for a new request`,
      );
    }
    return {
      statusCode: Number(row.status_code),
      body: JSON.parse(row.response),
    };
  }

  /** The stored request hash and answer for a key, without comparing a body (for streamed bodies). */
  async peek(
    scope: string,
    key: string,
    nowMs: number,
  ): Promise<{ requestHash: string; response: StoredResponse } | undefined> {
    const row = await this.db('idempotency_keys').where({ scope, key }).first();
    if (!row || toMs(row.created_at) < nowMs - this.ttlMs) return undefined;
    return {
      requestHash: row.request_hash,
      response: {
        statusCode: Number(row.status_code),
        body: JSON.parse(row.response),
      },
    };
  }

  async save(
    scope: string,
    key: string,
    requestHash: string,
    response: StoredResponse,
    now: Date,
  ): Promise<void> {
    await this.db('idempotency_keys')
      .insert({
        scope,
        key,
        request_hash: requestHash,
        status_code: response.statusCode,
        response: JSON.stringify(response.body),
        created_at: now,
      })
      .onConflict(['scope', 'key'])
      .ignore();
  }

  async prune(nowMs: number): Promise<number> {
    return this.db('idempotency_keys')
      .where('created_at', '<', new Date(nowMs - this.ttlMs))
      .delete();
  }
}
