// OpenAI-compatible embedding provider: POST {model, input} to `${baseUrl}/v1/embeddings` in batches.
// The only networked piece of the stage; `fetch` is injected, and the response shape is validated strictly.
import { EmbeddingProviderError } from './errors';
import type { EmbeddingProvider } from './embed';

export interface OpenAiEmbeddingOptions {
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** Expected vector size; learned from the first response when omitted. */
  dimensions?: number;
  /** Inputs per request. Default 64. */
  batchSize?: number;
  fetch?: typeof globalThis.fetch;
}

interface EmbeddingResponse {
  data?: { index?: number; embedding?: unknown }[];
}

export class OpenAiEmbeddingProvider implements EmbeddingProvider {
  readonly id: string;
  private dims: number;
  private readonly url: string;
  private readonly fetchFn: typeof globalThis.fetch;

  constructor(private readonly options: OpenAiEmbeddingOptions) {
    if (!options.baseUrl)
      throw new EmbeddingProviderError('baseUrl is required');
    if (!options.model) throw new EmbeddingProviderError('model is required');
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/v1/embeddings`;
    this.id = `openai:${options.model}`;
    this.dims = options.dimensions ?? 0;
    this.fetchFn = options.fetch ?? globalThis.fetch;
  }

  /** 0 until known (set by options or by the first response). */
  get dimensions(): number {
    return this.dims;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    const size = this.options.batchSize ?? 64;
    for (let i = 0; i < texts.length; i += size) {
      out.push(...(await this.batch(texts.slice(i, i + size))));
    }
    return out;
  }

  private async batch(input: string[]): Promise<Float32Array[]> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
    };
    if (this.options.apiKey)
      headers.authorization = `Bearer ${this.options.apiKey}`;
    let res: Response;
    try {
      res = await this.fetchFn(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: this.options.model, input }),
      });
    } catch (e) {
      throw new EmbeddingProviderError(
        `embedding request failed: ${(e as Error).message}`,
      );
    }
    if (!res.ok) {
      const detail = (await res.text().catch(() => '')).slice(0, 200);
      throw new EmbeddingProviderError(
        `embedding endpoint answered ${res.status}: ${detail}`,
      );
    }
    let body: EmbeddingResponse;
    try {
      body = (await res.json()) as EmbeddingResponse;
    } catch {
      throw new EmbeddingProviderError('embedding response is not JSON');
    }
    if (!Array.isArray(body?.data) || body.data.length !== input.length) {
      throw new EmbeddingProviderError(
        `expected ${input.length} embeddings, got ${
          Array.isArray(body?.data) ? body.data.length : 'none'
        }`,
      );
    }
    const vectors: Float32Array[] = new Array(input.length);
    body.data.forEach((item, pos) => {
      const idx = item.index ?? pos;
      const e = item.embedding;
      if (
        !Number.isInteger(idx) ||
        idx < 0 ||
        idx >= input.length ||
        vectors[idx]
      ) {
        throw new EmbeddingProviderError(
          `bad or duplicate embedding index ${idx}`,
        );
      }
      if (
        !Array.isArray(e) ||
        e.length === 0 ||
        !e.every(x => typeof x === 'number' && Number.isFinite(x))
      ) {
        throw new EmbeddingProviderError(
          'embedding is not an array of finite numbers',
        );
      }
      if (this.dims === 0) this.dims = e.length;
      if (e.length !== this.dims) {
        throw new EmbeddingProviderError(
          `embedding has ${e.length} dimensions, expected ${this.dims}`,
        );
      }
      vectors[idx] = Float32Array.from(e as number[]);
    });
    return vectors;
  }
}
