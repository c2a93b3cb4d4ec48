import type { CopilotFixStrategy } from '@devops-copilot/backstage-plugin-copilot-node';
import { StrategyRegistry, type FixStrategy } from '../engine/remediate';

// The node library's contract and the engine's must stay interchangeable: checked here, both ways.
const toEngine = (s: CopilotFixStrategy): FixStrategy => s;
const toNode = (s: FixStrategy): CopilotFixStrategy => s;
void toEngine;
void toNode;

/** The built-in catalog plus the strategies modules added through copilotFixStrategiesExtensionPoint. */
export function createStrategyRegistry(
  added: readonly CopilotFixStrategy[],
): StrategyRegistry {
  const registry = StrategyRegistry.withBuiltins();
  for (const s of added) registry.register(s);
  return registry;
}
