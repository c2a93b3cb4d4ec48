import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { CopilotApiError } from '@devops-copilot/backstage-plugin-copilot-common';
import type {
  IncidentAnswer,
  KnowledgeSearchResult,
  KnowledgeSnippet,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotApiRef, type CopilotFrontendApi } from '../api';
import { RunbooksCard } from './RunbooksCard';

const snippet = (over: Partial<KnowledgeSnippet> = {}): KnowledgeSnippet => ({
  docId: 'd-1',
  title: 'orders-db runbook',
  kind: 'runbook',
  source: 'examples/runbooks/orders-db.md',
  headingPath: ['orders-db', 'Connection pool exhausted'],
  lineStart: 12,
  lineEnd: 18,
  snippet: 'Raise max_connections back to 200 and restart the pool.',
  text: 'Raise max_connections back to 200 and restart the pool.',
  score: 0.734,
  ...over,
});

const search = (
  over: Partial<KnowledgeSearchResult> = {},
): KnowledgeSearchResult => ({
  query: 'orders-db max_connections latency',
  incidentId: 'i-1',
  confidence: { value: 0.81, confident: true },
  items: [
    snippet(),
    snippet({
      docId: 'd-2',
      title: 'Guide.pdf',
      kind: 'postmortem',
      headingPath: [],
      lineStart: 4,
      lineEnd: 9,
      page: 3,
      score: 0.412,
      snippet: 'The pool size was halved by a config push.',
    }),
  ],
  ...over,
});

function fakeApi(
  over: Partial<CopilotFrontendApi> = {},
): Partial<CopilotFrontendApi> {
  return {
    searchKnowledge: jest.fn(async () => search()),
    answerIncident: jest.fn(),
    ...over,
  };
}

describe('RunbooksCard', () => {
  it('lists the passages found for the incident with their line ranges, pages and scores', async () => {
    const api = fakeApi();
    await renderInTestApp(<RunbooksCard incidentId="i-1" />, {
      apis: [[copilotApiRef, api]],
    });
    const items = await screen.findAllByTestId('copilot-snippet');
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent('orders-db runbook');
    expect(items[0]).toHaveTextContent('lines 12–18');
    expect(items[0]).toHaveTextContent('orders-db › Connection pool exhausted');
    expect(items[0]).toHaveTextContent('score 0.73');
    expect(items[0]).toHaveTextContent('Raise max_connections back to 200');
    expect(items[1]).toHaveTextContent('page 3, lines 4–9');
    expect(items[1]).toHaveTextContent('postmortem');
    expect(screen.queryByText('Low confidence')).not.toBeInTheDocument();
    expect(api.searchKnowledge).toHaveBeenCalledWith({
      incidentId: 'i-1',
      k: 5,
    });
  });

  it('labels results the store is not confident about', async () => {
    const api = fakeApi({
      searchKnowledge: jest.fn(async () =>
        search({ confidence: { value: 0.12, confident: false } }),
      ),
    });
    await renderInTestApp(<RunbooksCard incidentId="i-1" />, {
      apis: [[copilotApiRef, api]],
    });
    expect(await screen.findByText('Low confidence')).toBeInTheDocument();
    expect(screen.getAllByText('low confidence')).toHaveLength(2);
  });

  it('shows the problem detail when search fails', async () => {
    const api = fakeApi({
      searchKnowledge: jest.fn(async () => {
        throw new CopilotApiError(
          403,
          'Copilot API GET /search failed with 403: denied',
          {
            type: 'about:blank',
            title: 'Forbidden',
            status: 403,
            detail: 'You may not read knowledge (copilot.knowledge.read)',
          },
        );
      }),
    });
    await renderInTestApp(<RunbooksCard incidentId="i-1" />, {
      apis: [[copilotApiRef, api]],
    });
    expect(
      await screen.findByText(
        'You may not read knowledge (copilot.knowledge.read)',
      ),
    ).toBeInTheDocument();
    expect(screen.queryAllByTestId('copilot-snippet')).toHaveLength(0);
  });

  it('says so when nothing matches', async () => {
    const api = fakeApi({
      searchKnowledge: jest.fn(async () => search({ items: [] })),
    });
    await renderInTestApp(<RunbooksCard incidentId="i-1" />, {
      apis: [[copilotApiRef, api]],
    });
    expect(
      await screen.findByText(/No runbook, postmortem or past incident/),
    ).toBeInTheDocument();
  });

  it('answers a question with a citation chip per source', async () => {
    const answer: IncidentAnswer = {
      incidentId: 'i-1',
      question: 'What should I do first?',
      supported: true,
      writer: 'extractive',
      sentences: [
        {
          text: 'Raise max_connections back to 200.',
          citations: [{ docId: 'd-1', lineStart: 12, lineEnd: 18 }],
        },
        {
          text: 'Last time the pool size was halved by a config push.',
          citations: [
            {
              docId: 'd-2',
              title: 'Guide.pdf',
              lineStart: 4,
              lineEnd: 9,
              page: 3,
            },
            { docId: 'd-1', lineStart: 20, lineEnd: 20 },
          ],
        },
      ],
      snippets: [snippet()],
    };
    const api = fakeApi({ answerIncident: jest.fn(async () => answer) });
    await renderInTestApp(<RunbooksCard incidentId="i-1" />, {
      apis: [[copilotApiRef, api]],
    });
    await screen.findAllByTestId('copilot-snippet');
    await userEvent.type(
      screen.getByRole('textbox', { name: 'Ask about this incident' }),
      'What should I do first?',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Ask' }));
    const sentences = await screen.findAllByTestId('copilot-answer-sentence');
    expect(sentences).toHaveLength(2);
    expect(sentences[0]).toHaveTextContent(
      'Raise max_connections back to 200.',
    );
    const chips = screen.getAllByTestId('copilot-citation');
    expect(chips.map(c => c.textContent)).toEqual([
      'orders-db runbook · lines 12–18',
      'Guide.pdf · page 3, lines 4–9',
      'orders-db runbook · line 20',
    ]);
    expect(api.answerIncident).toHaveBeenCalledWith(
      'i-1',
      'What should I do first?',
    );
  });

  it('shows "No supported answer" with the reason', async () => {
    const api = fakeApi({
      answerIncident: jest.fn(async () => ({
        incidentId: 'i-1',
        question: 'How do I fix the quantum flux?',
        supported: false,
        writer: 'extractive' as const,
        sentences: [],
        reason: 'No retrieved passage scores above the support threshold.',
        snippets: [],
      })),
    });
    await renderInTestApp(<RunbooksCard incidentId="i-1" />, {
      apis: [[copilotApiRef, api]],
    });
    await screen.findAllByTestId('copilot-snippet');
    await userEvent.click(screen.getByRole('button', { name: 'Ask' }));
    expect(await screen.findByText('No supported answer')).toBeInTheDocument();
    expect(
      screen.getByText(
        'No retrieved passage scores above the support threshold.',
      ),
    ).toBeInTheDocument();
    expect(screen.queryAllByTestId('copilot-citation')).toHaveLength(0);
    expect(api.answerIncident).toHaveBeenCalledWith('i-1', undefined);
  });
});
