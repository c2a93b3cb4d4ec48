import type { Entity } from '@backstage/catalog-model';
import type { LocationSpec } from '@backstage/plugin-catalog-common';
import {
  processingResult,
  type CatalogProcessor,
  type CatalogProcessorEmit,
} from '@backstage/plugin-catalog-node';
import {
  COPILOT_ANNOTATIONS,
  parseSelector,
  parseSloAnnotation,
} from '@devops-copilot/backstage-plugin-copilot-common';

/** Annotation values that are URLs or repository-relative paths. */
/** An http(s) URL, a page of the entity's own TechDocs (`techdocs:` + page path), or a relative document path. */
const RUNBOOK =
  /^(https?:\/\/\S+|techdocs:\/?[\w./-]*|\.{0,2}\/?[\w./-]+\.(md|mdx|txt|html?|pdf))$/i;

/**
 * Checks the copilot's annotations (`copilot.dev/selector`, `copilot.dev/slo`, `copilot.dev/runbook`)
 * and reports a bad one as an input error on the entity, naming the value and the expected syntax. The
 * entity itself is kept.
 *
 * @public
 */
export class CopilotAnnotationsProcessor implements CatalogProcessor {
  getProcessorName(): string {
    return 'CopilotAnnotationsProcessor';
  }

  async postProcessEntity(
    entity: Entity,
    location: LocationSpec,
    emit: CatalogProcessorEmit,
  ): Promise<Entity> {
    const annotations = entity.metadata.annotations ?? {};
    const report = (annotation: string, message: string) =>
      emit(
        processingResult.inputError(
          location,
          `${entity.kind} '${entity.metadata.name}' has an invalid ${annotation} annotation: ${message}`,
        ),
      );

    const selector = annotations[COPILOT_ANNOTATIONS.selector];
    if (selector !== undefined) {
      try {
        parseSelector(selector);
      } catch (e) {
        report(COPILOT_ANNOTATIONS.selector, (e as Error).message);
      }
    }
    const slo = annotations[COPILOT_ANNOTATIONS.slo];
    if (slo !== undefined) {
      try {
        parseSloAnnotation(slo);
      } catch (e) {
        report(COPILOT_ANNOTATIONS.slo, (e as Error).message);
      }
    }
    const runbook = annotations[COPILOT_ANNOTATIONS.runbook];
    if (runbook !== undefined && !RUNBOOK.test(runbook.trim())) {
      report(
        COPILOT_ANNOTATIONS.runbook,
        `'${runbook}' is neither an http(s) URL, nor a TechDocs page of the entity (techdocs:<page path>, e.g. techdocs:runbooks/checkout-5xx), nor a relative path to a document (.md, .mdx, .txt, .html, .pdf)`,
      );
    }
    return entity;
  }
}
