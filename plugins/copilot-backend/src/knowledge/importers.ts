import { readdir, readFile } from 'node:fs/promises';
import { extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  AuthService,
  DiscoveryService,
  LoggerService,
  UrlReaderService,
} from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import {
  ANNOTATION_LOCATION,
  ANNOTATION_SOURCE_LOCATION,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import { COPILOT_ANNOTATIONS } from '@devops-copilot/backstage-plugin-copilot-common';
import { KnowledgeError } from '../engine/knowledge';
import type { DocStore } from '../stores/DocStore';
import type { KnowledgeService } from './KnowledgeService';

const DOC_FILE = /\.(md|markdown|mdx|txt|html?|pdf)$/i;

export interface ImportOutcome {
  imported: number;
  unchanged: number;
  removed: number;
  failed: number;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (DOC_FILE.test(e.name) && !/^readme\./i.test(e.name)) out.push(p);
  }
  return out;
}

/** Removes documents of an origin whose source was not seen in the latest import. */
async function pruneOrigin(
  store: DocStore,
  knowledge: KnowledgeService,
  origin: string,
  seen: Set<string>,
  keep: (source: string) => boolean = () => true,
): Promise<number> {
  let removed = 0;
  let cursor: string | undefined;
  const stale: string[] = [];
  do {
    const page = await store.list({ origin, limit: 500, cursor });
    for (const d of page.items)
      if (!seen.has(d.source) && keep(d.source)) stale.push(d.id);
    cursor = page.nextCursor;
  } while (cursor);
  for (const id of stale) {
    await knowledge.remove(id);
    removed++;
  }
  return removed;
}

/**
 * Imports every Markdown, text, HTML and PDF file under the configured folders (`copilot.knowledge.folders`);
 * unchanged files are skipped, and documents whose file disappeared are removed. The source of a file is
 * `file:<absolute path>`, the same as a catalog annotation pointing at it, so both never duplicate.
 */
export async function importFolders(options: {
  folders: Array<{
    path: string;
    kind: 'runbook' | 'postmortem' | 'adr' | 'other';
  }>;
  knowledge: KnowledgeService;
  store: DocStore;
  logger: LoggerService;
  baseDir?: string;
}): Promise<ImportOutcome> {
  const outcome: ImportOutcome = {
    imported: 0,
    unchanged: 0,
    removed: 0,
    failed: 0,
  };
  const seen = new Set<string>();
  const roots: string[] = [];
  for (const folder of options.folders) {
    const root = isAbsolute(folder.path)
      ? folder.path
      : resolve(options.baseDir ?? process.cwd(), folder.path);
    roots.push(root);
    let files: string[];
    try {
      files = await walk(root);
    } catch (e) {
      options.logger.warn(
        `Knowledge: cannot read folder ${root}: ${(e as Error).message}`,
      );
      continue;
    }
    for (const file of files) {
      const source = `file:${file}`;
      seen.add(source);
      try {
        const r = await options.knowledge.ingest(
          {
            kind: folder.kind,
            source,
            content: await readFile(file),
            filename: file,
            origin: 'folder',
          },
          { skipUnchanged: true },
        );
        if (r.unchanged) outcome.unchanged++;
        else outcome.imported++;
      } catch (e) {
        outcome.failed++;
        options.logger.warn(
          `Knowledge: ${file} not imported: ${(e as Error).message}`,
        );
      }
    }
  }
  outcome.removed = await pruneOrigin(
    options.store,
    options.knowledge,
    'folder',
    seen,
    source => roots.some(r => source.startsWith(`file:${r}`)),
  );
  return outcome;
}

/** Where an entity's runbook annotation points: a URL, a file, or a TechDocs page of the entity. */
export type RunbookTarget =
  | { type: 'url'; url: string }
  | { type: 'file'; path: string }
  | { type: 'techdocs'; path: string };

/**
 * Resolves `copilot.dev/runbook`: an http(s) URL; `techdocs:<page path>` (a page of the entity's own
 * TechDocs); or a path relative to the entity's source or managed-by location (`url:` or `file:`).
 */
export function resolveRunbook(
  entity: Entity,
  value: string,
): RunbookTarget | undefined {
  const v = value.trim();
  if (/^https?:\/\//i.test(v)) return { type: 'url', url: v };
  if (v.startsWith('techdocs:'))
    return {
      type: 'techdocs',
      path: v.slice('techdocs:'.length).replace(/^\/+/, ''),
    };
  const annotations = entity.metadata.annotations ?? {};
  const base =
    annotations[ANNOTATION_SOURCE_LOCATION] ?? annotations[ANNOTATION_LOCATION];
  if (!base) return undefined;
  const [, type, target] = /^([a-z]+):(.*)$/.exec(base) ?? [];
  if (type === 'url')
    return { type: 'url', url: new URL(v, target).toString() };
  if (type === 'file') {
    const basePath = target.startsWith('file://')
      ? fileURLToPath(target)
      : target;
    const dir =
      /[\\/]$/.test(basePath) || !extname(basePath)
        ? basePath
        : resolve(basePath, '..');
    return { type: 'file', path: resolve(dir, v) };
  }
  return undefined;
}

/**
 * Imports the runbooks catalog entities declare with `copilot.dev/runbook` (read through the UrlReader, the
 * local file system for `file:` locations, or the TechDocs backend), owned by the entity; documents whose
 * annotation went away are removed.
 */
export async function importCatalogRunbooks(options: {
  catalog: CatalogService;
  auth: AuthService;
  urlReader: UrlReaderService;
  discovery?: DiscoveryService;
  knowledge: KnowledgeService;
  store: DocStore;
  logger: LoggerService;
  fetch?: typeof globalThis.fetch;
}): Promise<ImportOutcome> {
  const outcome: ImportOutcome = {
    imported: 0,
    unchanged: 0,
    removed: 0,
    failed: 0,
  };
  const credentials = await options.auth.getOwnServiceCredentials();
  const { items } = await options.catalog.getEntities(
    {
      filter: {
        [`metadata.annotations.${COPILOT_ANNOTATIONS.runbook}`]:
          CATALOG_FILTER_EXISTS,
      },
    },
    { credentials },
  );
  const seen = new Set<string>();
  for (const entity of items) {
    const ref = stringifyEntityRef(entity);
    const value = entity.metadata.annotations?.[COPILOT_ANNOTATIONS.runbook];
    if (!value) continue;
    const target = resolveRunbook(entity, value);
    if (!target) {
      options.logger.warn(
        `Knowledge: ${ref}: cannot resolve runbook '${value}' (no source or managed-by location)`,
      );
      outcome.failed++;
      continue;
    }
    try {
      let content: Uint8Array;
      let source: string;
      let filename: string | undefined;
      if (target.type === 'file') {
        source = `file:${target.path}`;
        filename = target.path;
        content = await readFile(target.path);
      } else if (target.type === 'url') {
        source = target.url;
        filename = new URL(target.url).pathname;
        content = await (await options.urlReader.readUrl(target.url)).buffer();
      } else {
        if (!options.discovery)
          throw new Error('TechDocs runbooks need the discovery service');
        const base = await options.discovery.getBaseUrl('techdocs');
        const { namespace = 'default', name } = entity.metadata;
        const page = target.path.replace(/\/?(index\.html)?$/, '');
        const url = `${base}/static/docs/${encodeURIComponent(
          namespace,
        )}/${encodeURIComponent(
          entity.kind.toLocaleLowerCase('en-US'),
        )}/${encodeURIComponent(name)}/${page ? `${page}/` : ''}index.html`;
        const { token } = await options.auth.getPluginRequestToken({
          onBehalfOf: credentials,
          targetPluginId: 'techdocs',
        });
        const res = await (options.fetch ?? globalThis.fetch)(url, {
          headers: { authorization: `Bearer ${token}` },
        });
        if (!res.ok)
          throw new Error(`TechDocs answered ${res.status} for ${url}`);
        content = new Uint8Array(await res.arrayBuffer());
        source = `techdocs:${ref}/${page}`;
        filename = 'index.html';
      }
      seen.add(source);
      const r = await options.knowledge.ingest(
        {
          kind: 'runbook',
          source,
          owner: ref,
          content,
          filename,
          origin: 'catalog',
        },
        { skipUnchanged: true },
      );
      if (r.unchanged) outcome.unchanged++;
      else outcome.imported++;
    } catch (e) {
      outcome.failed++;
      options.logger.warn(
        `Knowledge: runbook '${value}' of ${ref} not imported: ${
          e instanceof KnowledgeError ? e.message : (e as Error).message
        }`,
      );
    }
  }
  outcome.removed = await pruneOrigin(
    options.store,
    options.knowledge,
    'catalog',
    seen,
  );
  return outcome;
}
