import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  Alert,
  Badge,
  Button,
  Card,
  CardBody,
  CardHeader,
  Flex,
  Skeleton,
  Text,
  TextField,
} from '@backstage/ui';
import type {
  IncidentAnswer,
  KnowledgeCitation,
  KnowledgeSearchResult,
  KnowledgeSnippet,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotApiRef } from '../api';
import { anchorText, toProblem, type ProblemSummary } from './problem';

const KIND_LABEL: Record<KnowledgeSnippet['kind'], string> = {
  runbook: 'runbook',
  postmortem: 'postmortem',
  adr: 'ADR',
  other: 'document',
  incident: 'past incident',
};

/** One retrieved passage: which document, where in it, how well it matched, and the text. */
function SnippetItem(props: {
  snippet: KnowledgeSnippet;
  lowConfidence: boolean;
}) {
  const { snippet: s, lowConfidence } = props;
  return (
    <li data-testid="copilot-snippet" style={{ marginBottom: 16 }}>
      <Flex gap="2" align="center" style={{ flexWrap: 'wrap' }}>
        <Text as="strong" weight="bold">
          {s.title}
        </Text>
        <Badge>{KIND_LABEL[s.kind] ?? s.kind}</Badge>
        <Text variant="body-small" color="secondary">
          {anchorText(s)}
        </Text>
        <Text variant="body-small" color="secondary">
          score {s.score.toFixed(2)}
        </Text>
        {lowConfidence && <Badge>low confidence</Badge>}
      </Flex>
      {s.headingPath.length > 0 && (
        <Text as="div" variant="body-small" color="secondary">
          {s.headingPath.join(' › ')}
        </Text>
      )}
      <blockquote style={{ margin: '4px 0 0 0', paddingLeft: 12 }}>
        <Text as="p" variant="body-medium" style={{ whiteSpace: 'pre-wrap' }}>
          {s.snippet}
        </Text>
      </blockquote>
    </li>
  );
}

/** A citation as a chip: the document and its lines. */
function CitationChip(props: {
  citation: KnowledgeCitation;
  titles: Map<string, string>;
}) {
  const { citation: c, titles } = props;
  const title = c.title ?? titles.get(c.docId) ?? c.docId;
  return (
    <Badge data-testid="copilot-citation">
      {title} · {anchorText(c)}
    </Badge>
  );
}

/** The cited answer, sentence by sentence, or why there is none. */
function AnswerView(props: { answer: IncidentAnswer }) {
  const { answer } = props;
  if (!answer.supported || answer.sentences.length === 0)
    return (
      <Alert
        status="warning"
        title="No supported answer"
        description={
          answer.reason ??
          'The knowledge store has no passage that supports an answer.'
        }
      />
    );
  const titles = new Map(answer.snippets.map(s => [s.docId, s.title]));
  return (
    <div aria-live="polite">
      <Text as="p" variant="body-small" color="secondary">
        {answer.writer === 'llm'
          ? 'Written by the configured LLM over the retrieved passages; every citation was verified.'
          : 'Assembled from the retrieved passages.'}
      </Text>
      <ol style={{ paddingLeft: 20 }}>
        {answer.sentences.map((sentence, i) => (
          <li key={i} data-testid="copilot-answer-sentence">
            <Text as="span">{sentence.text}</Text>{' '}
            <span
              aria-label="Sources"
              style={{ display: 'inline-flex', flexWrap: 'wrap', gap: 4 }}
            >
              {sentence.citations.map((c, j) => (
                <CitationChip key={j} citation={c} titles={titles} />
              ))}
            </span>
          </li>
        ))}
      </ol>
    </div>
  );
}

/**
 * "Runbooks & past incidents": the passages the knowledge store finds for an incident (the query is
 * expanded from its analysis), and an Ask box whose answer cites a source line range for every sentence.
 */
export function RunbooksCard(props: { incidentId: string; k?: number }) {
  const { incidentId, k = 5 } = props;
  const api = useApi(copilotApiRef);
  const [search, setSearch] = useState<{
    loading: boolean;
    result?: KnowledgeSearchResult;
    problem?: ProblemSummary;
  }>({ loading: true });
  const [question, setQuestion] = useState('');
  const [asking, setAsking] = useState(false);
  const [answer, setAnswer] = useState<IncidentAnswer | undefined>();
  const [answerProblem, setAnswerProblem] = useState<
    ProblemSummary | undefined
  >();

  const load = useCallback(async () => {
    setSearch(s => ({ ...s, loading: true, problem: undefined }));
    try {
      const result = await api.searchKnowledge({ incidentId, k });
      setSearch({ loading: false, result });
    } catch (e) {
      setSearch({ loading: false, problem: toProblem(e) });
    }
  }, [api, incidentId, k]);

  useEffect(() => {
    load();
  }, [load]);

  const ask = async (e?: FormEvent) => {
    e?.preventDefault();
    setAsking(true);
    setAnswerProblem(undefined);
    try {
      setAnswer(
        await api.answerIncident(incidentId, question.trim() || undefined),
      );
    } catch (err) {
      setAnswer(undefined);
      setAnswerProblem(toProblem(err));
    } finally {
      setAsking(false);
    }
  };

  const { loading, result, problem } = search;
  const lowConfidence = result ? !result.confidence.confident : false;
  let body;
  if (loading) body = <Skeleton width="100%" height={64} />;
  else if (problem)
    body = (
      <Alert
        status="danger"
        title="Could not search runbooks"
        description={problem.detail}
      />
    );
  else if (!result || result.items.length === 0)
    body = (
      <Text as="p" color="secondary">
        No runbook, postmortem or past incident matches this incident yet.
        Upload runbooks through POST /api/copilot/v1/docs or declare them on the
        entity.
      </Text>
    );
  else
    body = (
      <>
        {lowConfidence && (
          <Alert
            status="warning"
            title="Low confidence"
            description={`These are the closest passages, but none matches this incident well (confidence ${result.confidence.value.toFixed(
              2,
            )}). Check them before acting on them.`}
          />
        )}
        <Text as="p" variant="body-small" color="secondary">
          Searched for: {result.query}
        </Text>
        <ol style={{ paddingLeft: 20 }} aria-label="Matching passages">
          {result.items.map(s => (
            <SnippetItem
              key={`${s.docId}:${s.lineStart}:${s.page ?? ''}`}
              snippet={s}
              lowConfidence={lowConfidence}
            />
          ))}
        </ol>
      </>
    );

  return (
    <Card>
      <CardHeader>
        <Text as="h2" variant="title-small">
          Runbooks &amp; past incidents
        </Text>
      </CardHeader>
      <CardBody>
        {body}
        <form onSubmit={ask} style={{ marginTop: 16 }}>
          <Flex gap="2" align="end">
            <div style={{ flex: 1 }}>
              <TextField
                label="Ask about this incident"
                placeholder="What should I do first? (empty: what do the runbooks say?)"
                value={question}
                onChange={setQuestion}
              />
            </div>
            <Button type="submit" variant="primary" isDisabled={asking}>
              {asking ? 'Asking…' : 'Ask'}
            </Button>
          </Flex>
        </form>
        <div style={{ marginTop: 12 }}>
          {answerProblem && (
            <Alert
              status="danger"
              title="Could not answer"
              description={answerProblem.detail}
            />
          )}
          {answer && <AnswerView answer={answer} />}
        </div>
      </CardBody>
    </Card>
  );
}
