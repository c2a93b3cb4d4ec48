import { ConfigReader } from '@backstage/config';
import { readKnowledgeConfig } from './config';

describe('readKnowledgeConfig', () => {
  it('defaults to the local embedder, 20 MiB documents and no LLM', () => {
    expect(readKnowledgeConfig(undefined)).toEqual({
      maxDocBytes: 20 * 1024 * 1024,
      embeddings: { provider: 'local', dimensions: 128 },
      llm: undefined,
      folders: [],
      refitFraction: 0.2,
      catalogImport: true,
      indexIncidents: true,
      refreshMinutes: 10,
    });
  });

  it('reads the openai provider, the LLM and folders', () => {
    const c = readKnowledgeConfig(
      new ConfigReader({
        knowledge: {
          maxDocBytes: 1000,
          embeddings: {
            provider: 'openai',
            baseUrl: 'http://localhost:11434',
            model: 'nomic-embed-text',
            dimensions: 768,
          },
          folders: [{ path: 'docs/adr', kind: 'adr' }, { path: 'runbooks' }],
        },
        llm: {
          baseUrl: 'https://api.openai.com',
          model: 'gpt-4o-mini',
          apiKey: 'k',
        },
      }),
    );
    expect(c.embeddings).toEqual({
      provider: 'openai',
      baseUrl: 'http://localhost:11434',
      model: 'nomic-embed-text',
      apiKey: undefined,
      dimensions: 768,
    });
    expect(c.llm).toEqual({
      baseUrl: 'https://api.openai.com',
      model: 'gpt-4o-mini',
      apiKey: 'k',
      timeoutMs: 30000,
    });
    expect(c.folders).toEqual([
      { path: 'docs/adr', kind: 'adr' },
      { path: 'runbooks', kind: 'runbook' },
    ]);
  });

  it.each([
    [
      { knowledge: { maxDocBytes: -1 } },
      /maxDocBytes must be a positive integer/,
    ],
    [
      { knowledge: { embeddings: { provider: 'bert' } } },
      /provider must be 'local' or 'openai'/,
    ],
    [{ knowledge: { embeddings: { provider: 'openai' } } }, /needs baseUrl/],
    [
      {
        knowledge: {
          embeddings: { provider: 'openai', baseUrl: 'ftp://x', model: 'm' },
        },
      },
      /must be an http\(s\) URL/,
    ],
    [
      { knowledge: { embeddings: { dimensions: 1.5 } } },
      /dimensions must be an integer/,
    ],
    [
      { knowledge: { folders: [{ path: 'x', kind: 'memo' }] } },
      /folders\[0\]\.kind/,
    ],
    [{ knowledge: { refitFraction: 2 } }, /refitFraction/],
    [{ llm: { model: 'm' } }, /copilot\.llm needs baseUrl/],
  ])('rejects %j', (data, message) => {
    expect(() => readKnowledgeConfig(new ConfigReader(data))).toThrow(message);
  });
});
