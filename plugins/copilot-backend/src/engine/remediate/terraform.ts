// Terraform checks: HCL syntax (hcl2json, the HashiCorp HCL v2 parser), destructive flags, exposure, secrets.
// The exposure and secret rules follow tfsec/Checkov's common AWS/GCP/Kubernetes checks, name-agnostic.
import type { Finding } from './types';
import { scanSecurity } from './security';

export type HclParse = (
  filename: string,
  text: string,
) => Promise<Record<string, unknown>>;

export interface TfFacts {
  /** `type.name` of each resource, module and data source. */
  targets: string[];
  namespaces: string[];
  destructive: boolean;
  dataLoss: boolean;
  clusterScoped: boolean;
  replicas: number[];
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const SECRET_KEY =
  /(^|_)(password|passwd|secret|token|api_key|apikey|access_key|secret_key|private_key|client_secret)$/i;
const OPEN_CIDR = new Set(['0.0.0.0/0', '::/0']);
const WEB_PORTS = new Set([80, 443]);

/** Lines of `resource "t" "n"` headers, to cite findings. */
function headerLines(text: string): Map<string, number> {
  const m = new Map<string, number>();
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    const r = /^\s*(resource|data)\s+"([^"]+)"\s+"([^"]+)"/.exec(l);
    if (r) m.set(`${r[1] === 'data' ? 'data.' : ''}${r[2]}.${r[3]}`, i + 1);
    const mo = /^\s*(module|variable|output|provider)\s+"([^"]+)"/.exec(l);
    if (mo) m.set(`${mo[1]}.${mo[2]}`, i + 1);
  });
  return m;
}

function lineOfKey(
  text: string,
  from: number,
  key: string,
): number | undefined {
  const lines = text.split('\n');
  const re = new RegExp(
    `^\\s*"?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*[={]`,
  );
  for (let i = Math.max(0, from - 1); i < lines.length; i++)
    if (re.test(lines[i])) return i + 1;
  return from || undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

export async function checkTerraform(
  artifact: string,
  text: string,
  production: boolean,
  parse: HclParse,
  out: Finding[],
): Promise<TfFacts | undefined> {
  let json: Record<string, unknown>;
  try {
    json = await parse(artifact, text);
  } catch (e) {
    const msg = String((e as Error).message ?? e);
    const m = /:(\d+),\d+/.exec(msg);
    out.push({
      code: 'HCL_PARSE',
      severity: 'block',
      stage: 'syntax',
      message: `HCL does not parse: ${msg
        .replace(/^Error:\s*/, '')
        .slice(0, 300)}`,
      artifact,
      line: m ? Number(m[1]) : undefined,
    });
    return undefined;
  }
  const facts: TfFacts = {
    targets: [],
    namespaces: [],
    destructive: false,
    dataLoss: false,
    clusterScoped: false,
    replicas: [],
  };
  const headers = headerLines(text);
  const push = (
    code: string,
    severity: Finding['severity'],
    message: string,
    block: string,
    key?: string,
  ) => {
    const from = headers.get(block) ?? 0;
    out.push({
      code,
      severity,
      stage: 'guardrail',
      message,
      artifact,
      line: key ? lineOfKey(text, from, key) : from || undefined,
      path: key ? `${block}.${key}` : block,
    });
  };

  const blocks: Array<[string, Record<string, unknown>]> = [];
  for (const section of ['resource', 'data']) {
    const byType = json[section];
    if (!isObj(byType)) continue;
    for (const [type, byName] of Object.entries(byType)) {
      if (!isObj(byName)) continue;
      for (const [name, bodies] of Object.entries(byName)) {
        for (const body of Array.isArray(bodies) ? bodies : [bodies]) {
          if (isObj(body))
            blocks.push([
              `${section === 'data' ? 'data.' : ''}${type}.${name}`,
              body,
            ]);
        }
      }
    }
  }
  if (isObj(json.module))
    for (const [name, bodies] of Object.entries(json.module))
      for (const body of Array.isArray(bodies) ? bodies : [bodies])
        if (isObj(body)) blocks.push([`module.${name}`, body]);
  if (isObj(json.variable))
    for (const [name, bodies] of Object.entries(json.variable))
      for (const body of Array.isArray(bodies) ? bodies : [bodies])
        if (isObj(body)) blocks.push([`variable.${name}`, body]);
  if (isObj(json.provider))
    for (const [name, bodies] of Object.entries(json.provider))
      for (const body of Array.isArray(bodies) ? bodies : [bodies])
        if (isObj(body)) blocks.push([`provider.${name}`, body]);

  for (const [id, body] of blocks) {
    if (
      !id.startsWith('variable.') &&
      !id.startsWith('provider.') &&
      !id.startsWith('data.')
    )
      facts.targets.push(id);
    const type = id.split('.')[id.startsWith('data.') ? 1 : 0];
    if (
      /^kubernetes_(cluster_role|cluster_role_binding|namespace|persistent_volume|storage_class|custom_resource)/.test(
        type,
      )
    )
      facts.clusterScoped = true;
    const walk = (node: unknown, path: string[], inIngress: boolean) => {
      if (Array.isArray(node)) {
        for (const v of node) walk(v, path, inIngress);
        return;
      }
      if (!isObj(node)) return;
      const ingress =
        inIngress ||
        node.type === 'ingress' ||
        (/ingress|firewall/.test(type) &&
          node.direction !== 'EGRESS' &&
          !path.includes('egress'));
      for (const [k, v] of Object.entries(node)) {
        const key = k.toLowerCase();
        const p = [...path, k];
        if (key === 'deletion_protection' && (v === false || v === 'false')) {
          facts.destructive = true;
          push(
            'TF_PROTECTION_OFF',
            production ? 'block' : 'warn',
            `${id}: deletion_protection = false lets the resource be destroyed`,
            id,
            k,
          );
        } else if (key === 'force_destroy' && (v === true || v === 'true')) {
          facts.destructive = true;
          facts.dataLoss = true;
          push(
            'TF_FORCE_DESTROY',
            production ? 'block' : 'warn',
            `${id}: force_destroy = true deletes all contents on destroy`,
            id,
            k,
          );
        } else if (
          key === 'skip_final_snapshot' &&
          (v === true || v === 'true')
        ) {
          facts.destructive = true;
          push(
            'TF_NO_FINAL_SNAPSHOT',
            production ? 'block' : 'warn',
            `${id}: skip_final_snapshot = true loses the database on destroy`,
            id,
            k,
          );
        } else if (
          key === 'prevent_destroy' &&
          (v === false || v === 'false')
        ) {
          facts.destructive = true;
          push(
            'TF_PROTECTION_OFF',
            production ? 'block' : 'warn',
            `${id}: lifecycle.prevent_destroy = false removes destroy protection`,
            id,
            k,
          );
        } else if (
          key === 'publicly_accessible' &&
          (v === true || v === 'true')
        ) {
          push(
            'GR_PUBLIC_EXPOSURE',
            'block',
            `${id}: publicly_accessible = true`,
            id,
            k,
          );
        } else if (
          key === 'acl' &&
          typeof v === 'string' &&
          /^public-read/.test(v)
        ) {
          push('GR_PUBLIC_EXPOSURE', 'block', `${id}: acl = ${v}`, id, k);
        } else if (
          /^(block_public_acls|block_public_policy|ignore_public_acls|restrict_public_buckets)$/.test(
            key,
          ) &&
          (v === false || v === 'false')
        ) {
          push(
            'GR_PUBLIC_EXPOSURE',
            'block',
            `${id}: ${k} = false lifts the public-access block`,
            id,
            k,
          );
        } else if (
          (key === 'cidr_blocks' ||
            key === 'ipv6_cidr_blocks' ||
            key === 'source_ranges' ||
            key === 'cidr_ipv4' ||
            key === 'cidr_ipv6') &&
          ingress
        ) {
          const cidrs = (Array.isArray(v) ? v : [v]).map(String);
          if (cidrs.some(c => OPEN_CIDR.has(c))) {
            const from = num(node.from_port);
            const to = num(node.to_port);
            const ports = Array.isArray(node.ports) ? node.ports.map(num) : [];
            const webOnly =
              (from !== undefined &&
                to !== undefined &&
                from === to &&
                WEB_PORTS.has(from)) ||
              (ports.length > 0 &&
                ports.every(x => x !== undefined && WEB_PORTS.has(x)));
            if (!webOnly)
              push(
                'GR_OPEN_INGRESS',
                'block',
                `${id}: ingress from ${cidrs.join(', ')} on ports ${
                  from ?? '?'
                }-${to ?? '?'}`,
                id,
                k,
              );
          }
        } else if (
          SECRET_KEY.test(key) &&
          typeof v === 'string' &&
          v !== '' &&
          !v.includes('${')
        ) {
          push(
            'GR_HARDCODED_SECRET',
            'block',
            `${id}: ${k} is a literal secret in the source`,
            id,
            k,
          );
        } else if (
          key === 'default' &&
          id.startsWith('variable.') &&
          SECRET_KEY.test(id.slice(9)) &&
          typeof v === 'string' &&
          v !== ''
        ) {
          push(
            'GR_HARDCODED_SECRET',
            'block',
            `${id}: a secret variable with a literal default`,
            id,
            k,
          );
        } else if (
          key === 'namespace' &&
          typeof v === 'string' &&
          !v.includes('${') &&
          path.includes('metadata')
        ) {
          facts.namespaces.push(v);
        } else if (key === 'replicas' && num(v) !== undefined) {
          facts.replicas.push(num(v)!);
        }
        walk(v, p, ingress || key === 'ingress');
      }
    };
    walk(body, [], false);
    scanSecurity(
      body,
      {
        skipSecrets: true,
        artifact,
        production,
        lineOf: path =>
          lineOfKey(text, headers.get(id) ?? 0, String(path[path.length - 1])),
      },
      out,
    );
  }
  // IAM documents are usually jsonencode()d or heredocs: look at the source text.
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    const m =
      /\b(actions?|not_actions|Action|NotAction)"?\s*[=:]\s*\[?\s*"(\*|\*:\*|iam:\*)"/.exec(
        l,
      );
    const admin =
      /(arn:aws:iam::aws:policy\/(AdministratorAccess|IAMFullAccess|PowerUserAccess))|"roles\/(owner|editor|iam\.securityAdmin|resourcemanager\.projectIamAdmin)"|"(Owner|Contributor|User Access Administrator)"/.exec(
        l,
      );
    if (admin && /policy_arn|role(_definition_name)?\s*=/.test(l))
      out.push({
        code: 'GR_IAM_ADMIN',
        severity: 'block',
        stage: 'guardrail',
        message: `grants the administrative role ${admin[0].replace(/"/g, '')}`,
        artifact,
        line: i + 1,
      });
    if (
      /"?Principal"?\s*[=:]\s*("\*"|\{\s*"?AWS"?\s*[=:]\s*"\*")/.test(l) ||
      /\b(allUsers|allAuthenticatedUsers)\b/.test(l)
    )
      out.push({
        code: 'GR_PUBLIC_EXPOSURE',
        severity: 'block',
        stage: 'guardrail',
        message:
          'a resource policy grants access to everyone (Principal "*" / allUsers)',
        artifact,
        line: i + 1,
      });
    if (m)
      out.push({
        code: 'GR_IAM_WILDCARD',
        severity: 'block',
        stage: 'guardrail',
        message: `IAM statement allows ${m[2]}`,
        artifact,
        line: i + 1,
      });
  });
  return facts;
}
