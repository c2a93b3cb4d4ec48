import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmbeddingProviderError } from './errors';
import { OpenAiEmbeddingProvider } from './openai';

describe('OpenAiEmbeddingProvider (against a real local HTTP server)', () => {
  let server: Server;
  let baseUrl: string;
  const requests: { url?: string; auth?: string; body: any }[] = [];
  let mode: 'ok' | 'short' | 'error' | 'shuffled' | 'nan' = 'ok';

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.on('data', c => (raw += c));
      req.on('end', () => {
        const body = JSON.parse(raw);
        requests.push({ url: req.url, auth: req.headers.authorization, body });
        if (mode === 'error') {
          res.writeHead(429, { 'content-type': 'application/json' });
          res.end('{"error":"rate limited"}');
          return;
        }
        let data = (body.input as string[]).map((s, index) => ({
          object: 'embedding',
          index,
          embedding: [s.length, index, mode === 'nan' ? 'x' : 1],
        }));
        if (mode === 'short') data = data.slice(1);
        if (mode === 'shuffled') data = data.reverse();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data, model: body.model }));
      });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await new Promise(resolve => server.close(resolve));
  });

  beforeEach(() => {
    requests.length = 0;
    mode = 'ok';
  });

  it('posts {model, input} in batches with the bearer key and keeps input order', async () => {
    const p = new OpenAiEmbeddingProvider({
      baseUrl,
      apiKey: 'sk-test',
      model: 'text-embed',
      batchSize: 2,
    });
    mode = 'shuffled';
    const out = await p.embed(['a', 'bbb', 'cc']);
    expect(requests).toHaveLength(2);
    expect(requests[0]).toEqual({
      url: '/v1/embeddings',
      auth: 'Bearer sk-test',
      body: { model: 'text-embed', input: ['a', 'bbb'] },
    });
    expect(out.map(v => Array.from(v))).toEqual([
      [1, 0, 1],
      [3, 1, 1],
      [2, 0, 1],
    ]);
    expect(p.dimensions).toBe(3);
    expect(p.id).toBe('openai:text-embed');
  });

  it('rejects error statuses, missing items, non-numeric vectors and wrong dimensions', async () => {
    const p = new OpenAiEmbeddingProvider({ baseUrl, model: 'm' });
    mode = 'error';
    await expect(p.embed(['a'])).rejects.toThrow(/429/);
    mode = 'short';
    await expect(p.embed(['a', 'b'])).rejects.toThrow(EmbeddingProviderError);
    mode = 'nan';
    await expect(p.embed(['a'])).rejects.toThrow(/finite numbers/);
    const fixed = new OpenAiEmbeddingProvider({
      baseUrl,
      model: 'm',
      dimensions: 1536,
    });
    mode = 'ok';
    await expect(fixed.embed(['a'])).rejects.toThrow(/expected 1536/);
    expect(requests.every(r => r.auth === undefined)).toBe(true);
  });

  it('reports an unreachable endpoint as a provider error', async () => {
    const p = new OpenAiEmbeddingProvider({
      baseUrl: 'http://127.0.0.1:1',
      model: 'm',
    });
    await expect(p.embed(['a'])).rejects.toThrow(EmbeddingProviderError);
  });
});
