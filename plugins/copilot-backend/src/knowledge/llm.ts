import type { AnswerSnippet, Citation, CitedAnswer } from '../engine/knowledge';
import type { LlmConfig } from './config';

/**
 * Writes an answer with an OpenAI-compatible chat completions endpoint (`POST {baseUrl}/v1/chat/completions`)
 * over the retrieved snippets only: they are numbered [1]..[n] in the prompt, every sentence must end with
 * the markers of the snippets it rests on, and each marker becomes a citation of that snippet's line range.
 * The caller verifies the citations (verifyCitations) and rejects the answer when they do not resolve.
 */
export class LlmAnswerWriter {
  private readonly url: string;
  private readonly fetchFn: typeof globalThis.fetch;

  constructor(
    private readonly config: LlmConfig,
    fetchFn?: typeof globalThis.fetch,
  ) {
    this.url = `${config.baseUrl
      .replace(/\/+$/, '')
      .replace(/\/v1$/, '')}/v1/chat/completions`;
    this.fetchFn = fetchFn ?? globalThis.fetch;
  }

  static prompt(question: string, snippets: AnswerSnippet[]) {
    const context = snippets
      .map(
        (s, i) =>
          `[${i + 1}] ${s.title ?? s.docId}${
            s.headingPath?.length ? ` > ${s.headingPath.join(' > ')}` : ''
          } (${s.page !== undefined ? `page ${s.page}, ` : ''}lines ${
            s.lineStart
          }-${s.lineEnd}):\n${s.text}`,
      )
      .join('\n\n');
    return [
      {
        role: 'system',
        content:
          'You answer on-call engineers using ONLY the numbered snippets given. Write at most 4 short sentences. ' +
          'End every sentence with the markers of the snippets that support it, e.g. "Restart the pool [2]." ' +
          'Use wording from the snippets. If the snippets do not answer the question, reply exactly: NO ANSWER',
      },
      {
        role: 'user',
        content: `Snippets:\n\n${context}\n\nQuestion: ${question}`,
      },
    ];
  }

  async write(
    question: string,
    snippets: AnswerSnippet[],
  ): Promise<CitedAnswer> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
    };
    if (this.config.apiKey)
      headers.authorization = `Bearer ${this.config.apiKey}`;
    const res = await this.fetchFn(this.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        model: this.config.model,
        temperature: 0,
        messages: LlmAnswerWriter.prompt(question, snippets),
      }),
      signal: AbortSignal.timeout(this.config.timeoutMs),
    });
    if (!res.ok) {
      throw new Error(
        `chat completions answered ${res.status}: ${(await res.text()).slice(
          0,
          200,
        )}`,
      );
    }
    const body = (await res.json()) as {
      choices?: Array<{ message?: { content?: unknown } }>;
    };
    const content = body.choices?.[0]?.message?.content;
    if (typeof content !== 'string')
      throw new Error(
        'chat completions response has no choices[0].message.content',
      );
    return parseCitedText(question, content, snippets);
  }
}

/**
 * Splits the model's text into sentences and turns `[n]` markers into citations of snippet n. A marker
 * naming no snippet yields a citation that cannot resolve, so verification rejects the answer.
 */
export function parseCitedText(
  question: string,
  content: string,
  snippets: AnswerSnippet[],
): CitedAnswer {
  const text = content.trim();
  if (/^NO ANSWER\.?$/i.test(text)) return { question, sentences: [] };
  const parts = text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?](?:\s*\[\d+\])*)\s+(?=[A-Z0-9`"(])/)
    .map(p => p.trim())
    .filter(Boolean);
  return {
    question,
    sentences: parts.map(p => {
      const citations: Citation[] = [];
      for (const m of p.matchAll(/\[(\d+)\]/g)) {
        const s = snippets[Number(m[1]) - 1];
        citations.push(
          s
            ? {
                docId: s.docId,
                lineStart: s.lineStart,
                lineEnd: s.lineEnd,
                ...(s.page !== undefined ? { page: s.page } : {}),
              }
            : { docId: `unknown-snippet-${m[1]}`, lineStart: 0, lineEnd: 0 },
        );
      }
      return {
        text: p.replace(/\s*\[\d+\]/g, '').trim(),
        citations,
      };
    }),
  };
}
