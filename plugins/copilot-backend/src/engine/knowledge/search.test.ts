import { chunkDocument } from './chunk';
import { LocalEmbedder } from './embed';
import { alertQueryText } from './expand';
import { reciprocalRankFusion, weightedScoreFusion } from './fusion';
import { parseDocument } from './parse';
import { mentions, rerank } from './rerank';
import { tokenize } from './analyze';
import { chunkEmbeddingText, KnowledgeIndex } from './search';

const RUNBOOKS: Record<string, string> = {
  'etcd/NoLeader.md': `---\ntitle: etcd No Leader\n---\n# etcdNoLeader\n\n## Meaning\n\nThe etcd cluster has no leader. Members cannot elect a leader.\n\n## Mitigation\n\nCheck network connectivity between etcd members and restore quorum.\n`,
  'node/FilesystemFull.md': `---\ntitle: Node Filesystem Almost Out Of Space\n---\n# NodeFilesystemAlmostOutOfSpace\n\n## Meaning\n\nThe filesystem on a node has little space left.\n\n## Diagnosis\n\nLook at \`node_filesystem_avail_bytes\` and find large directories with du.\n`,
  'kube/PodCrashLooping.md': `---\ntitle: Kube Pod Crash Looping\n---\n# KubePodCrashLooping\n\n## Meaning\n\nA pod container keeps restarting and is in CrashLoopBackOff.\n\n## Diagnosis\n\nRead the logs of the previous container instance.\n`,
  'am/FailedToSend.md': `---\ntitle: Alertmanager Failed To Send Alerts\n---\n# AlertmanagerFailedToSendAlerts\n\n## Meaning\n\nAlertmanager failed to send notifications to an integration such as a webhook receiver.\n`,
};

async function build(): Promise<{
  index: KnowledgeIndex;
  embedder: LocalEmbedder;
}> {
  const index = new KnowledgeIndex();
  const embedder = new LocalEmbedder({ dimensions: 16 });
  const docs = Object.entries(RUNBOOKS).map(([docId, content]) => {
    const parsed = parseDocument({ content, format: 'markdown' });
    return { docId, title: parsed.title, chunks: chunkDocument(parsed) };
  });
  const texts = docs.flatMap(d =>
    d.chunks.map(c => chunkEmbeddingText(d.title, c)),
  );
  embedder.fit(texts);
  for (const d of docs) {
    index.upsertDocument(
      d,
      await embedder.embed(d.chunks.map(c => chunkEmbeddingText(d.title, c))),
    );
  }
  return { index, embedder };
}

describe('fusion', () => {
  it('RRF sums reciprocal ranks across lists', () => {
    const fused = reciprocalRankFusion(
      [
        [
          { id: 1, score: 9 },
          { id: 2, score: 5 },
        ],
        [
          { id: 2, score: 0.9 },
          { id: 3, score: 0.8 },
        ],
      ],
      { k: 60 },
    );
    expect(fused.map(f => f.id)).toEqual([2, 1, 3]);
    expect(fused[0].score).toBeCloseTo(1 / 62 + 1 / 61, 12);
  });

  it('weighted fusion min-max normalises each list', () => {
    const fused = weightedScoreFusion(
      [
        [
          { id: 1, score: 10 },
          { id: 2, score: 0 },
        ],
        [
          { id: 2, score: 1 },
          { id: 1, score: 0.5 },
        ],
      ],
      [1, 3],
    );
    expect(fused.map(f => f.id)).toEqual([2, 1]);
    expect(fused[0].score).toBeCloseTo(3, 9);
  });
});

describe('KnowledgeIndex', () => {
  it('finds the runbook of an alert (name withheld) in every mode and anchors the hit', async () => {
    const { index, embedder } = await build();
    const text = alertQueryText({
      summary: 'Filesystem has less than 5% space left.',
      description:
        'Filesystem on {{ $labels.device }} at {{ $labels.instance }} has only {{ $value }}% available space left.',
      expr: '(node_filesystem_avail_bytes{job="node-exporter",fstype!=""} / node_filesystem_size_bytes * 100 < 5)',
    });
    expect(text).not.toMatch(/\$labels/);
    const [vector] = await embedder.embed([text]);
    for (const mode of ['bm25', 'dense', 'hybrid'] as const) {
      const res = index.search({ text, vector }, { mode });
      expect(res.documents[0].docId).toBe('node/FilesystemFull.md');
    }
    const res = index.search({ text, vector });
    const hit = res.hits[0];
    expect(hit.headingPath[0]).toBe('NodeFilesystemAlmostOutOfSpace');
    const source = RUNBOOKS['node/FilesystemFull.md'].split('\n');
    expect(source.slice(hit.lineStart - 1, hit.lineEnd).join('\n')).toContain(
      hit.text.split('\n')[0],
    );
    expect(res.confidence.confident).toBe(true);
    expect(hit.snippet.length).toBeGreaterThan(0);
  });

  it('reports low confidence for a query no document is about', async () => {
    const { index, embedder } = await build();
    const text = 'TLS certificate of the ingress controller expires in 3 days';
    const [vector] = await embedder.embed([text]);
    const res = index.search({ text, vector });
    expect(res.confidence.confident).toBe(false);
  });

  it('re-upload replaces a document, removal deletes it, and docIds filter', async () => {
    const { index, embedder } = await build();
    const before = index.chunkCount;
    const parsed = parseDocument({
      content:
        '# etcdNoLeader\n\n## Meaning\n\nRewritten: quorum lost, no leader elected.\n',
      format: 'markdown',
    });
    const chunks = chunkDocument(parsed);
    index.upsertDocument(
      { docId: 'etcd/NoLeader.md', title: parsed.title, chunks },
      await embedder.embed(
        chunks.map(c => chunkEmbeddingText(parsed.title, c)),
      ),
    );
    expect(index.documentCount).toBe(4);
    expect(index.chunkCount).toBe(before - 2 + 1);
    const res = index.search({ text: 'etcd quorum leader' }, { mode: 'bm25' });
    expect(res.hits.filter(h => h.docId === 'etcd/NoLeader.md')).toHaveLength(
      1,
    );
    expect(res.hits[0].text).toContain('Rewritten');
    expect(
      index
        .search({ text: 'etcd leader' }, { docIds: ['am/FailedToSend.md'] })
        .hits.every(h => h.docId === 'am/FailedToSend.md'),
    ).toBe(true);
    expect(index.removeDocument('etcd/NoLeader.md')).toBe(1);
    expect(
      index
        .search({ text: 'etcd leader quorum' })
        .hits.some(h => h.docId === 'etcd/NoLeader.md'),
    ).toBe(false);
  });
});

describe('rerank name matching', () => {
  it('matches abbreviations by prefix but not words inside compounds', () => {
    const q = new Set(['configur', 'alertmanag', 'replica']);
    const prefixes = new Set([
      'conf',
      'confi',
      'config',
      'configu',
      'alertman',
      'alertmana',
      'repl',
      'replic',
    ]);
    expect(mentions(q, prefixes, 'config')).toBe(true);
    expect(mentions(q, prefixes, 'replic')).toBe(true);
    expect(mentions(q, prefixes, 'alert')).toBe(false);
    expect(mentions(q, prefixes, 'node')).toBe(false);
  });
});

describe('rerank', () => {
  const candidate = (
    id: number,
    name: string,
    body: string,
    compounds: string[] = [],
  ) => ({
    id,
    fused: 0.03,
    bm25: 10,
    cosine: 0.5,
    nameTerms: new Set(
      tokenize(name)
        .filter(t => !t.whole)
        .map(t => t.term),
    ),
    nameCompounds: new Set(compounds),
    tokens: tokenize(body),
  });

  it('prefers the section whose name the query mentions, and ignores an absent whole identifier', () => {
    const query = tokenize('etcd members have no leader');
    const ranked = rerank(
      [
        candidate(
          1,
          'etcd high commit durations',
          'members and leader are mentioned in the body',
        ),
        candidate(2, 'etcd no leader', 'the body', ['etcdnoleader']),
      ],
      query,
      () => 1,
    );
    expect(ranked[0].id).toBe(2);
    expect(ranked[0].features.nameRecall).toBeCloseTo(1, 9);
    expect(ranked[1].features.nameRecall).toBeCloseTo(1 / 4, 9);
  });

  it('counts adjacent query pairs found close together (proximity)', () => {
    const query = tokenize('disk pressure eviction');
    const ranked = rerank(
      [
        candidate(1, 'x', 'eviction happens under disk pressure'),
        candidate(
          2,
          'x',
          'disk is fine today, while the pressure is elsewhere and later there was an eviction',
        ),
      ],
      query,
      () => 1,
    );
    expect(ranked.find(r => r.id === 1)!.features.proximity).toBe(1);
    expect(ranked.find(r => r.id === 2)!.features.proximity).toBe(0);
  });
});
