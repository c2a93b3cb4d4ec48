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
  Radio,
  RadioGroup,
  Skeleton,
  Text,
  TextAreaField,
  TextField,
} from '@backstage/ui';
import type {
  KnowledgeDoc,
  KnowledgeDocFormat,
  UploadDocRequest,
  UploadDocResult,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotApiRef } from '../api';
import { toProblem, type ProblemSummary } from './problem';

type UploadKind = UploadDocRequest['kind'];

const KINDS: Array<{ id: UploadKind; label: string }> = [
  { id: 'runbook', label: 'Runbook' },
  { id: 'postmortem', label: 'Postmortem' },
  { id: 'adr', label: 'ADR' },
  { id: 'other', label: 'Other' },
];

const FORMAT_BY_EXTENSION: Record<string, KnowledgeDocFormat> = {
  md: 'markdown',
  markdown: 'markdown',
  txt: 'text',
  html: 'html',
  htm: 'html',
  pdf: 'pdf',
};

/** Reads a chosen file: text for Markdown, text and HTML; base64 for PDF (the server reads its text layer). */
function readFile(
  file: File,
): Promise<Pick<UploadDocRequest, 'content' | 'contentBase64' | 'format'>> {
  const ext = file.name.split('.').pop()?.toLocaleLowerCase('en-US') ?? '';
  const format = FORMAT_BY_EXTENSION[ext];
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(reader.error);
    if (format === 'pdf') {
      reader.onload = () => {
        const url = String(reader.result);
        resolve({ format, contentBase64: url.slice(url.indexOf(',') + 1) });
      };
      reader.readAsDataURL(file);
    } else {
      reader.onload = () => resolve({ format, content: String(reader.result) });
      reader.readAsText(file);
    }
  });
}

/**
 * The knowledge store: the documents the copilot searches (runbooks, postmortems, ADRs, past incidents)
 * and a small form to upload one. Re-uploading the same source replaces the earlier version.
 */
export function KnowledgeDocs() {
  const api = useApi(copilotApiRef);
  const [list, setList] = useState<{
    loading: boolean;
    docs: KnowledgeDoc[];
    problem?: ProblemSummary;
  }>({ loading: true, docs: [] });
  const [title, setTitle] = useState('');
  const [kind, setKind] = useState<UploadKind>('runbook');
  const [owner, setOwner] = useState('');
  const [tags, setTags] = useState('');
  const [content, setContent] = useState('');
  const [file, setFile] = useState<File | undefined>();
  const [uploading, setUploading] = useState(false);
  const [result, setResult] = useState<UploadDocResult | undefined>();
  const [uploadProblem, setUploadProblem] = useState<
    ProblemSummary | undefined
  >();

  const load = useCallback(async () => {
    try {
      const page = await api.listDocs({ limit: 50 });
      setList({ loading: false, docs: page.items });
    } catch (e) {
      setList({ loading: false, docs: [], problem: toProblem(e) });
    }
  }, [api]);

  useEffect(() => {
    load();
  }, [load]);

  const canUpload = !!file || content.trim().length > 0;

  const upload = async (e: FormEvent) => {
    e.preventDefault();
    setUploading(true);
    setUploadProblem(undefined);
    setResult(undefined);
    try {
      const body = file
        ? { ...(await readFile(file)), filename: file.name }
        : { content, format: 'markdown' as const };
      const uploaded = await api.uploadDoc({
        kind,
        title: title.trim() || undefined,
        owner: owner.trim() || undefined,
        tags: tags
          .split(',')
          .map(t => t.trim())
          .filter(Boolean),
        ...body,
      });
      setResult(uploaded);
      setContent('');
      setFile(undefined);
      await load();
    } catch (err) {
      setUploadProblem(toProblem(err));
    } finally {
      setUploading(false);
    }
  };

  let body;
  if (list.loading) body = <Skeleton width="100%" height={48} />;
  else if (list.problem)
    body = (
      <Alert
        status="danger"
        title="Could not list documents"
        description={list.problem.detail}
      />
    );
  else if (list.docs.length === 0)
    body = (
      <Text as="p" color="secondary">
        No documents yet. Upload a runbook below, declare one on a catalog
        entity, or import a folder.
      </Text>
    );
  else
    body = (
      <ul aria-label="Documents" style={{ paddingLeft: 20 }}>
        {list.docs.map(d => (
          <li key={d.id} data-testid="copilot-knowledge-doc">
            <Text weight="bold">{d.title}</Text> <Badge>{d.kind}</Badge>{' '}
            <Text variant="body-small" color="secondary">
              {d.chunkCount} chunks, {d.format}, from {d.origin}
              {d.ownerEntityRef ? `, owned by ${d.ownerEntityRef}` : ''}
            </Text>
          </li>
        ))}
      </ul>
    );

  return (
    <Card>
      <CardHeader>
        <Text as="h2" variant="title-small">
          Knowledge
        </Text>
      </CardHeader>
      <CardBody>
        {body}
        <form onSubmit={upload} aria-label="Upload a document">
          <Text as="h3" variant="title-x-small">
            Upload a document
          </Text>
          <Flex direction="column" gap="2">
            <RadioGroup
              label="Kind"
              orientation="horizontal"
              value={kind}
              onChange={v => setKind(v as UploadKind)}
            >
              {KINDS.map(k => (
                <Radio key={k.id} value={k.id}>
                  {k.label}
                </Radio>
              ))}
            </RadioGroup>
            <TextField label="Title" value={title} onChange={setTitle} />
            <TextField
              label="Owner"
              placeholder="group:default/team-payments"
              value={owner}
              onChange={setOwner}
            />
            <TextField
              label="Tags"
              description="Comma separated"
              value={tags}
              onChange={setTags}
            />
            <label>
              <Text variant="body-small">
                File (Markdown, text, HTML or PDF){' '}
              </Text>
              <input
                type="file"
                accept=".md,.markdown,.txt,.html,.htm,.pdf"
                onChange={e => setFile(e.target.files?.[0])}
              />
            </label>
            <TextAreaField
              label="Or paste Markdown"
              rows={6}
              value={content}
              onChange={setContent}
              isDisabled={!!file}
            />
            <Flex gap="2" align="center">
              <Button
                type="submit"
                variant="primary"
                isDisabled={uploading || !canUpload}
              >
                {uploading ? 'Uploading…' : 'Upload'}
              </Button>
              {!canUpload && (
                <Text variant="body-small" color="secondary">
                  Choose a file or paste some text.
                </Text>
              )}
            </Flex>
          </Flex>
        </form>
        <div aria-live="polite" style={{ marginTop: 8 }}>
          {uploadProblem && (
            <Alert
              status="danger"
              title="Upload refused"
              description={uploadProblem.detail}
            />
          )}
          {result && (
            <Alert
              status="success"
              title={`Indexed "${result.doc.title}": ${result.chunks} chunks${
                result.replaced ? ', replacing the earlier version' : ''
              }`}
            />
          )}
        </div>
      </CardBody>
    </Card>
  );
}
