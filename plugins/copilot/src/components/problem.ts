import {
  CopilotApiError,
  type ProblemDocument,
} from '@devops-copilot/backstage-plugin-copilot-common';

/** What to tell the user about a failed call: the problem document's detail and what it says is missing. */
export interface ProblemSummary {
  status?: number;
  title: string;
  detail: string;
  missing: string[];
}

/** Reads a thrown error as an RFC 9457 problem (the copilot client keeps the document on the error). */
export function toProblem(error: unknown): ProblemSummary {
  if (error instanceof CopilotApiError || isApiError(error)) {
    const problem = error.problem as ProblemDocument | undefined;
    const missing = Array.isArray(problem?.missing)
      ? problem!.missing.filter((m): m is string => typeof m === 'string')
      : [];
    return {
      status: error.status,
      title: problem?.title ?? `Request failed (${error.status})`,
      detail: problem?.detail ?? error.message,
      missing,
    };
  }
  const message =
    error instanceof Error ? error.message : String(error ?? 'unknown error');
  return { title: 'Request failed', detail: message, missing: [] };
}

function isApiError(
  error: unknown,
): error is { status: number; problem?: ProblemDocument; message: string } {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { status?: unknown }).status === 'number' &&
    'message' in error
  );
}

/** Where a passage came from: "lines 12–18", or "page 3, lines 4–9" for PDF. */
export function anchorText(anchor: {
  lineStart: number;
  lineEnd: number;
  page?: number;
}): string {
  const lines =
    anchor.lineStart === anchor.lineEnd
      ? `line ${anchor.lineStart}`
      : `lines ${anchor.lineStart}–${anchor.lineEnd}`;
  return anchor.page !== undefined ? `page ${anchor.page}, ${lines}` : lines;
}
