import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  CopilotApiError,
  type KnowledgeDoc,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotApiRef, type CopilotFrontendApi } from '../api';
import { KnowledgeDocs } from './KnowledgeDocs';

const doc = (over: Partial<KnowledgeDoc> = {}): KnowledgeDoc => ({
  id: 'd-1',
  title: 'orders-db runbook',
  kind: 'runbook',
  source: 'upload:orders-db',
  ownerEntityRef: 'group:default/team-db',
  tags: ['db'],
  format: 'markdown',
  origin: 'upload',
  chunkCount: 7,
  sizeBytes: 2048,
  contentHash: 'abc',
  createdAt: '2026-12-02T06:00:00Z',
  updatedAt: '2026-12-02T06:00:00Z',
  ...over,
});

describe('KnowledgeDocs', () => {
  it('lists documents and uploads pasted Markdown with its kind, owner and tags', async () => {
    const listDocs = jest
      .fn()
      .mockResolvedValueOnce({ items: [doc()] })
      .mockResolvedValue({
        items: [doc(), doc({ id: 'd-2', title: 'Payments ADR', kind: 'adr' })],
      });
    const api: Partial<CopilotFrontendApi> = {
      listDocs,
      uploadDoc: jest.fn(async () => ({
        doc: doc({ id: 'd-2', title: 'Payments ADR', kind: 'adr' }),
        chunks: 3,
        replaced: true,
      })),
    };
    await renderInTestApp(<KnowledgeDocs />, {
      apis: [[copilotApiRef, api]],
    });
    expect(await screen.findAllByTestId('copilot-knowledge-doc')).toHaveLength(
      1,
    );
    expect(
      screen.getByText(/7 chunks, markdown, from upload/),
    ).toBeInTheDocument();
    const upload = screen.getByRole('button', { name: 'Upload' });
    expect(upload).toBeDisabled();
    await userEvent.click(screen.getByRole('radio', { name: 'ADR' }));
    await userEvent.type(
      screen.getByRole('textbox', { name: 'Title' }),
      'Payments ADR',
    );
    await userEvent.type(
      screen.getByRole('textbox', { name: 'Owner' }),
      'group:default/team-payments',
    );
    await userEvent.type(
      screen.getByRole('textbox', { name: /Tags/ }),
      'adr, payments',
    );
    await userEvent.type(
      screen.getByRole('textbox', { name: 'Or paste Markdown' }),
      '# Payments{enter}We retry twice.',
    );
    await userEvent.click(upload);
    expect(
      await screen.findByText(
        'Indexed "Payments ADR": 3 chunks, replacing the earlier version',
      ),
    ).toBeInTheDocument();
    expect(api.uploadDoc).toHaveBeenCalledWith({
      kind: 'adr',
      title: 'Payments ADR',
      owner: 'group:default/team-payments',
      tags: ['adr', 'payments'],
      content: '# Payments\nWe retry twice.',
      format: 'markdown',
    });
    await waitFor(() =>
      expect(screen.getAllByTestId('copilot-knowledge-doc')).toHaveLength(2),
    );
  });

  it('shows the problem detail of a refused upload', async () => {
    const api: Partial<CopilotFrontendApi> = {
      listDocs: jest.fn(async () => ({ items: [] })),
      uploadDoc: jest.fn(async () => {
        throw new CopilotApiError(413, 'failed with 413', {
          type: 'about:blank',
          title: 'Content Too Large',
          status: 413,
          detail: 'The document is 12 MB; the limit is 10 MB',
        });
      }),
    };
    await renderInTestApp(<KnowledgeDocs />, {
      apis: [[copilotApiRef, api]],
    });
    expect(await screen.findByText(/No documents yet/)).toBeInTheDocument();
    await userEvent.type(
      screen.getByRole('textbox', { name: 'Or paste Markdown' }),
      'hello',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Upload' }));
    expect(await screen.findByText('Upload refused')).toBeInTheDocument();
    expect(
      screen.getByText('The document is 12 MB; the limit is 10 MB'),
    ).toBeInTheDocument();
  });
});
