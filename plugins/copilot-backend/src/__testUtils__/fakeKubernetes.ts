import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { parse as parseYaml } from 'yaml';

// A fake Kubernetes API server for tests: HTTPS with certificates made at test time by the openssl CLI,
// GET of stored objects, and PATCH that only accepts dry runs, validates like the API server (strict
// field validation, immutable selector, RBAC) and never persists anything. Every request is recorded.

type Obj = Record<string, any>;

export interface TestCerts {
  dir: string;
  /** Server certificate (self-signed, SAN 127.0.0.1/localhost): also the CA the client trusts. */
  serverCert: string;
  serverKey: string;
  /** Client certificate (self-signed, CN copilot-preflight). */
  clientCert: string;
  clientKey: string;
  cleanup(): void;
}

function selfSigned(dir: string, name: string, cn: string, san?: string) {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
      ...(san ? ['-addext', `subjectAltName=${san}`] : []),
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

/** Generates the server and client certificates (no key is committed anywhere). */
export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'copilot-kube-'));
  const server = selfSigned(
    dir,
    'server',
    'kube-apiserver',
    'IP:127.0.0.1,DNS:localhost',
  );
  const client = selfSigned(dir, 'client', 'copilot-preflight');
  return {
    dir,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  authorization?: string;
  /** CN of the client certificate, when one was presented. */
  clientCert?: string;
  body?: unknown;
}

const PATH =
  /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/namespaces\/([^/]+)\/([^/]+)\/([^/]+?)(\/scale)?$/;

/** Fields the fake knows per kind (top level, spec): anything else is an unknown field. */
const FIELDS: Record<string, { top: string[]; spec?: string[] }> = {
  Deployment: {
    top: ['apiVersion', 'kind', 'metadata', 'spec', 'status'],
    spec: [
      'replicas',
      'selector',
      'template',
      'strategy',
      'minReadySeconds',
      'revisionHistoryLimit',
      'paused',
      'progressDeadlineSeconds',
    ],
  },
  ConfigMap: {
    top: ['apiVersion', 'kind', 'metadata', 'data', 'binaryData', 'immutable'],
  },
  Scale: {
    top: ['apiVersion', 'kind', 'metadata', 'spec'],
    spec: ['replicas'],
  },
};

const status = (
  code: number,
  reason: string,
  message: string,
  details?: Obj,
) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  ...(details ? { details } : {}),
  code,
});

export class FakeKubeApi {
  readonly requests: RecordedRequest[] = [];
  /** Stored objects by API path. */
  readonly objects = new Map<string, Obj>();
  /** Accepted bearer tokens and client certificate CNs. */
  readonly tokens = new Set<string>(['t0ken']);
  readonly clientNames = new Set<string>(['copilot-preflight']);
  /** `<verb> <plural>` pairs the caller may not do (RBAC). */
  readonly denied = new Set<string>();
  /** API discovery documents by path (`/apis/<group>/<version>`). */
  readonly discovery = new Map<string, Obj>();

  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(certs: TestCerts): Promise<FakeKubeApi> {
    const holder: { api?: FakeKubeApi } = {};
    const server = createServer(
      {
        cert: certs.serverCert,
        key: certs.serverKey,
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', c => chunks.push(c));
        req.on('end', () => {
          const send = (code: number, body: unknown) => {
            res.writeHead(code, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify(body));
          };
          try {
            holder.api!.handle(
              req,
              Buffer.concat(chunks).toString('utf8'),
              send,
            );
          } catch (e) {
            send(500, status(500, 'InternalError', (e as Error).message));
          }
        });
      },
    );
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    holder.api = new FakeKubeApi(server, `https://127.0.0.1:${port}`);
    return holder.api;
  }

  close(): Promise<void> {
    return new Promise(r => {
      this.server.closeAllConnections();
      this.server.close(() => r());
    });
  }

  static pathOf(obj: Obj): string {
    const av: string = obj.apiVersion;
    const plural = `${String(obj.kind).toLowerCase()}s`;
    return `${av.includes('/') ? `/apis/${av}` : `/api/${av}`}/namespaces/${
      obj.metadata.namespace
    }/${plural}/${obj.metadata.name}`;
  }

  put(obj: Obj): void {
    this.objects.set(FakeKubeApi.pathOf(obj), structuredClone(obj));
  }

  get(obj: Obj): Obj | undefined {
    return this.objects.get(FakeKubeApi.pathOf(obj));
  }

  private handle(
    req: import('node:http').IncomingMessage,
    text: string,
    send: (code: number, body: unknown) => void,
  ) {
    const url = new URL(req.url ?? '/', 'https://x');
    const contentType = req.headers['content-type'];
    let body: unknown;
    if (text) {
      try {
        body = contentType?.includes('yaml')
          ? parseYaml(text)
          : JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const peer = (req.socket as TLSSocket).getPeerCertificate?.();
    const clientCert =
      peer && peer.subject && typeof peer.subject.CN === 'string'
        ? peer.subject.CN
        : undefined;
    const auth = req.headers.authorization;
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      ...(contentType ? { contentType } : {}),
      ...(auth ? { authorization: auth } : {}),
      ...(clientCert ? { clientCert } : {}),
      ...(body !== undefined ? { body } : {}),
    });
    const token = /^Bearer (.+)$/.exec(auth ?? '')?.[1];
    if (
      !(token && this.tokens.has(token)) &&
      !(clientCert && this.clientNames.has(clientCert))
    ) {
      send(401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const doc = this.discovery.get(url.pathname);
    if (doc && req.method === 'GET') {
      send(200, doc);
      return;
    }
    const m = PATH.exec(url.pathname);
    if (!m) {
      send(
        404,
        status(
          404,
          'NotFound',
          'the server could not find the requested resource',
        ),
      );
      return;
    }
    const [, , group, , ns, plural, name, scale] = m;
    const objectPath = url.pathname.replace(/\/scale$/, '');
    const gr = group ? `${plural}.${group}` : plural;
    const verb = req.method === 'GET' ? 'get' : 'patch';
    if (this.denied.has(`${verb} ${plural}`)) {
      send(
        403,
        status(
          403,
          'Forbidden',
          `${gr} "${name}" is forbidden: User "system:serviceaccount:copilot:preflight" cannot ${verb} resource "${plural}" in API group "${
            group ?? ''
          }" in the namespace "${ns}"`,
          { name, group: group ?? '', kind: plural },
        ),
      );
      return;
    }
    const stored = this.objects.get(objectPath);
    if (req.method === 'GET') {
      if (!stored)
        send(
          404,
          status(404, 'NotFound', `${gr} "${name}" not found`, {
            name,
            group,
            kind: plural,
          }),
        );
      else send(200, stored);
      return;
    }
    if (req.method !== 'PATCH') {
      send(
        405,
        status(405, 'MethodNotAllowed', 'the fake API serves GET and PATCH'),
      );
      return;
    }
    if (url.searchParams.get('dryRun') !== 'All') {
      send(
        400,
        status(400, 'BadRequest', 'this fake API server only accepts dry runs'),
      );
      return;
    }
    const apply = contentType === 'application/apply-patch+yaml';
    if (!stored && !apply) {
      send(
        404,
        status(404, 'NotFound', `${gr} "${name}" not found`, {
          name,
          group,
          kind: plural,
        }),
      );
      return;
    }
    if (
      ![
        'application/apply-patch+yaml',
        'application/strategic-merge-patch+json',
        'application/merge-patch+json',
        'application/json-patch+json',
      ].includes(contentType ?? '')
    ) {
      send(
        415,
        status(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format: ${contentType}`,
        ),
      );
      return;
    }
    const patch = (body ?? {}) as Obj;
    const kind = scale ? 'Scale' : stored?.kind ?? patch.kind;
    const fields = FIELDS[kind];
    if (
      url.searchParams.get('fieldValidation') === 'Strict' &&
      fields &&
      !Array.isArray(patch)
    ) {
      const unknown =
        Object.keys(patch).find(k => !fields.top.includes(k)) ??
        (fields.spec && patch.spec && typeof patch.spec === 'object'
          ? Object.keys(patch.spec)
              .filter(k => !fields.spec!.includes(k))
              .map(k => `spec.${k}`)[0]
          : undefined);
      if (unknown) {
        send(
          400,
          status(
            400,
            'BadRequest',
            `strict decoding error: unknown field "${unknown}"`,
          ),
        );
        return;
      }
    }
    const causes: Array<{ reason: string; message: string; field: string }> =
      [];
    const spec = (patch as Obj).spec;
    if (spec && typeof spec.replicas === 'number' && spec.replicas < 0)
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${spec.replicas}: must be greater than or equal to 0`,
        field: 'spec.replicas',
      });
    if (
      stored &&
      spec?.selector &&
      JSON.stringify(spec.selector) !== JSON.stringify(stored.spec?.selector)
    )
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(
          spec.selector,
        )}: field is immutable`,
        field: 'spec.selector',
      });
    if (causes.length) {
      send(
        422,
        status(
          422,
          'Invalid',
          `${kind}.${group ?? ''} "${name}" is invalid: ${causes
            .map(c => `${c.field}: ${c.message}`)
            .join(', ')}`,
          { name, group: group ?? '', kind, causes },
        ),
      );
      return;
    }
    // The answer is what would be stored; nothing is.
    send(200, {
      ...(structuredClone(stored) ?? patch),
      metadata: {
        ...(stored?.metadata ?? (patch as Obj).metadata),
        resourceVersion: 'dry-run',
      },
    });
  }
}

/** A Deployment as the API server answers it. */
export function liveDeployment(
  overrides: { image?: string; memory?: string } = {},
): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'checkout',
      namespace: 'shop',
      uid: '0d4c2b7e-1111-4222-8333-944455556666',
      resourceVersion: '4711',
      generation: 7,
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels: { app: 'checkout' },
      managedFields: [
        { manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1' },
      ],
    },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'checkout' } },
      template: {
        metadata: { labels: { app: 'checkout' } },
        spec: {
          containers: [
            {
              name: 'checkout',
              image:
                overrides.image ?? 'registry.example.com/shop/checkout:1.8.0',
              resources: {
                limits: { cpu: '1', memory: overrides.memory ?? '512Mi' },
                requests: { cpu: '250m', memory: '256Mi' },
              },
            },
          ],
        },
      },
    },
    status: { replicas: 4, readyReplicas: 4, observedGeneration: 7 },
  };
}
