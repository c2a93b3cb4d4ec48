import {
  composeCitedAnswer,
  verifyCitations,
  type AnswerSnippet,
} from './answer';

const SNIPPETS: AnswerSnippet[] = [
  {
    docId: 'runbooks/KubePodCrashLooping.md',
    lineStart: 10,
    lineEnd: 14,
    text: 'A pod is restarting repeatedly and sits in CrashLoopBackOff.\nRead the logs of the previous container with `kubectl logs --previous`.\n\nCheck the [liveness probe](https://k8s.io/probes) configuration too.',
  },
  {
    docId: 'postmortems/2024-03-checkout.md',
    lineStart: 40,
    lineEnd: 41,
    text: 'The checkout service crashed on start because the database password secret was rotated.',
  },
];

describe('cited answers', () => {
  it('builds an extractive answer in which every sentence cites the lines it came from', () => {
    const answer = composeCitedAnswer(
      'why is the pod crash looping and how to read its logs',
      SNIPPETS,
    );
    expect(answer.sentences.length).toBeGreaterThan(0);
    for (const s of answer.sentences) {
      expect(s.citations).toHaveLength(1);
      const c = s.citations[0];
      const sn = SNIPPETS.find(x => x.docId === c.docId)!;
      expect(c.lineStart).toBeGreaterThanOrEqual(sn.lineStart);
      expect(c.lineEnd).toBeLessThanOrEqual(sn.lineEnd);
    }
    const logs = answer.sentences.find(s =>
      s.text.includes('previous container'),
    )!;
    expect(logs.citations[0]).toEqual({
      docId: 'runbooks/KubePodCrashLooping.md',
      lineStart: 11,
      lineEnd: 11,
    });
    expect(logs.text).not.toContain('`');
    expect(verifyCitations(answer, SNIPPETS).valid).toBe(true);
  });

  it('returns no sentences when nothing overlaps the question', () => {
    expect(
      composeCitedAnswer('grafana dashboard colour palette', SNIPPETS)
        .sentences,
    ).toEqual([]);
  });

  it('rejects answers whose citations do not resolve or do not support the sentence', () => {
    const good = composeCitedAnswer('pod crash looping logs', SNIPPETS);
    const wrongDoc = {
      ...good,
      sentences: good.sentences.map(s => ({
        ...s,
        citations: [{ ...s.citations[0], docId: 'runbooks/Other.md' }],
      })),
    };
    expect(verifyCitations(wrongDoc, SNIPPETS).valid).toBe(false);
    const outOfRange = {
      ...good,
      sentences: [
        {
          text: good.sentences[0].text,
          citations: [{ docId: SNIPPETS[0].docId, lineStart: 1, lineEnd: 3 }],
        },
      ],
    };
    expect(verifyCitations(outOfRange, SNIPPETS).problems[0].reason).toMatch(
      /does not resolve/,
    );
    const uncited = {
      ...good,
      sentences: [{ text: good.sentences[0].text, citations: [] }],
    };
    expect(verifyCitations(uncited, SNIPPETS).valid).toBe(false);
    const invented = {
      ...good,
      sentences: [
        {
          text: 'Scale the cluster autoscaler to twenty nodes immediately.',
          citations: [{ docId: SNIPPETS[0].docId, lineStart: 10, lineEnd: 11 }],
        },
      ],
    };
    expect(verifyCitations(invented, SNIPPETS).problems[0].reason).toMatch(
      /support/,
    );
  });
});
