import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { canonicalJson, sha256Hex } from '../engine/remediate';

/** The ed25519 key that signs audit rows and runner outputs. */
export class SigningKey {
  private constructor(
    readonly privateKey: KeyObject,
    readonly publicKey: KeyObject,
  ) {}

  /**
   * From PKCS#8 PEM; without one, an ephemeral key with a warning (refused when NODE_ENV is production:
   * signatures made with a key nobody kept prove nothing).
   */
  static load(pem: string | undefined, logger: LoggerService): SigningKey {
    if (pem) {
      let key: KeyObject;
      try {
        key = createPrivateKey(pem);
      } catch (e) {
        throw new InputError(
          `copilot.remediation.signingKey is not a readable private key: ${
            (e as Error).message
          }`,
        );
      }
      if (key.asymmetricKeyType !== 'ed25519')
        throw new InputError(
          `copilot.remediation.signingKey must be an ed25519 key, got ${key.asymmetricKeyType}`,
        );
      return new SigningKey(key, createPublicKey(key));
    }
    if (process.env.NODE_ENV === 'production')
      throw new InputError(
        'copilot.remediation.signingKey is required in production (an ed25519 PKCS#8 PEM, e.g. from `openssl genpkey -algorithm ed25519`)',
      );
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const k = new SigningKey(privateKey, publicKey);
    logger.warn(
      `copilot.remediation.signingKey is not set: signing audit rows and runner outputs with an ephemeral ed25519 key (${k.keyId}); its signatures cannot be verified after a restart. Configure a key outside development.`,
    );
    return k;
  }

  static generate(): SigningKey {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    return new SigningKey(privateKey, publicKey);
  }

  get publicKeyPem(): string {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** sha256 of the public key (SPKI DER), first 16 hex digits. */
  get keyId(): string {
    return createHash('sha256')
      .update(this.publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex')
      .slice(0, 16);
  }

  /** Hash (sha256 of canonical JSON) and signature (base64 ed25519 over the hash) of `value`. */
  signValue(value: unknown): { hash: string; signature: string } {
    const hash = sha256Hex(canonicalJson(value));
    const signature = sign(
      null,
      Buffer.from(hash, 'hex'),
      this.privateKey,
    ).toString('base64');
    return { hash, signature };
  }

  verifyValue(value: unknown, hash: string, signature: string): boolean {
    if (sha256Hex(canonicalJson(value)) !== hash) return false;
    try {
      return verify(
        null,
        Buffer.from(hash, 'hex'),
        this.publicKey,
        Buffer.from(signature, 'base64'),
      );
    } catch {
      return false;
    }
  }
}
