import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../engine/knowledge';

/** Where dense embeddings come from (`copilot.knowledge.embeddings`). */
export type EmbeddingsConfig =
  | { provider: 'local'; dimensions: number }
  | {
      provider: 'openai';
      baseUrl: string;
      model: string;
      apiKey?: string;
      dimensions?: number;
    };

/** An OpenAI-compatible chat completions endpoint writing answers over retrieved snippets (`copilot.llm`). */
export interface LlmConfig {
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
}

export interface KnowledgeConfig {
  maxDocBytes: number;
  embeddings: EmbeddingsConfig;
  llm?: LlmConfig;
  /** Folders of Markdown/text/HTML/PDF documents imported on a schedule (the demo: examples/runbooks). */
  folders: Array<{
    path: string;
    kind: 'runbook' | 'postmortem' | 'adr' | 'other';
  }>;
  /** Share of the corpus that must change before the local embedder is refitted. */
  refitFraction: number;
  /** Import documents named by catalog entities' `copilot.dev/runbook` annotation. */
  catalogImport: boolean;
  /** Index past incidents (title, summary, top hypotheses, resolution) as documents. */
  indexIncidents: boolean;
  /** Minutes between scheduled imports / refits / incident indexing. */
  refreshMinutes: number;
}

const KINDS = ['runbook', 'postmortem', 'adr', 'other'] as const;

/** Reads and checks `copilot.knowledge` and `copilot.llm` (see config.d.ts). */
export function readKnowledgeConfig(
  copilot: Config | undefined,
): KnowledgeConfig {
  const k = copilot?.getOptionalConfig('knowledge');
  const maxDocBytes =
    k?.getOptionalNumber('maxDocBytes') ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (!Number.isInteger(maxDocBytes) || maxDocBytes <= 0) {
    throw new InputError(
      `copilot.knowledge.maxDocBytes must be a positive integer, got ${maxDocBytes}`,
    );
  }
  const e = k?.getOptionalConfig('embeddings');
  const provider = e?.getOptionalString('provider') ?? 'local';
  const dimensions = e?.getOptionalNumber('dimensions');
  if (
    dimensions !== undefined &&
    (!Number.isInteger(dimensions) || dimensions < 2 || dimensions > 16000)
  ) {
    throw new InputError(
      `copilot.knowledge.embeddings.dimensions must be an integer from 2 to 16000, got ${dimensions}`,
    );
  }
  let embeddings: EmbeddingsConfig;
  if (provider === 'local') {
    embeddings = { provider, dimensions: dimensions ?? 128 };
  } else if (provider === 'openai') {
    const baseUrl = e?.getOptionalString('baseUrl');
    const model = e?.getOptionalString('model');
    if (!baseUrl || !model) {
      throw new InputError(
        'copilot.knowledge.embeddings with provider openai needs baseUrl (e.g. https://api.openai.com) and model (e.g. text-embedding-3-small)',
      );
    }
    checkUrl('copilot.knowledge.embeddings.baseUrl', baseUrl);
    embeddings = {
      provider,
      baseUrl,
      model,
      apiKey: e?.getOptionalString('apiKey'),
      dimensions,
    };
  } else {
    throw new InputError(
      `copilot.knowledge.embeddings.provider must be 'local' or 'openai', got '${provider}'`,
    );
  }
  const l = copilot?.getOptionalConfig('llm');
  let llm: LlmConfig | undefined;
  if (l) {
    const baseUrl = l.getOptionalString('baseUrl');
    const model = l.getOptionalString('model');
    if (!baseUrl || !model) {
      throw new InputError(
        'copilot.llm needs baseUrl (an OpenAI-compatible server, e.g. http://localhost:11434) and model; remove copilot.llm for extractive answers only',
      );
    }
    checkUrl('copilot.llm.baseUrl', baseUrl);
    llm = {
      baseUrl,
      model,
      apiKey: l.getOptionalString('apiKey'),
      timeoutMs: (l.getOptionalNumber('timeoutSeconds') ?? 30) * 1000,
    };
  }
  const folders = (k?.getOptionalConfigArray('folders') ?? []).map((f, i) => {
    const kind = f.getOptionalString('kind') ?? 'runbook';
    if (!(KINDS as readonly string[]).includes(kind)) {
      throw new InputError(
        `copilot.knowledge.folders[${i}].kind must be one of ${KINDS.join(
          ', ',
        )}, got '${kind}'`,
      );
    }
    return { path: f.getString('path'), kind: kind as (typeof KINDS)[number] };
  });
  const refitFraction = k?.getOptionalNumber('refitFraction') ?? 0.2;
  if (!(refitFraction > 0 && refitFraction <= 1)) {
    throw new InputError(
      `copilot.knowledge.refitFraction must be in (0, 1], got ${refitFraction}`,
    );
  }
  const refreshMinutes = k?.getOptionalNumber('refreshMinutes') ?? 10;
  if (!(refreshMinutes > 0)) {
    throw new InputError(
      `copilot.knowledge.refreshMinutes must be positive, got ${refreshMinutes}`,
    );
  }
  return {
    maxDocBytes,
    embeddings,
    llm,
    folders,
    refitFraction,
    catalogImport: k?.getOptionalBoolean('catalogImport') ?? true,
    indexIncidents: k?.getOptionalBoolean('indexIncidents') ?? true,
    refreshMinutes,
  };
}

function checkUrl(key: string, value: string) {
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new InputError(`${key} must be an http(s) URL, got '${value}'`);
  }
}
