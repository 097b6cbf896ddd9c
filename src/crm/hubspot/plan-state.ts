/**
 * The state of each plan while one batch executes: what was written for it so far, notes for
 * the sync record, and its first failure. Phases skip plans that already failed.
 */
import type { ExecutionResult, PlanExecution, WrittenObject } from '../adapter.ts';
import type { CrmError } from '../errors.ts';
import type { PlannedRecord } from '../write-plan.ts';
import { withOrigin } from './error-classifier.ts';

export interface PlanState {
  readonly execution: PlanExecution;
  readonly objects: Record<string, WrittenObject>;
  readonly notes: string[];
  error: CrmError | undefined;
}

export function newPlanState(execution: PlanExecution): PlanState {
  return { execution, objects: {}, notes: [], error: undefined };
}

/** Records the plan's first failure, pointing at the mapping line of `record` when it can. */
export function failPlan(state: PlanState, error: CrmError, record?: PlannedRecord): void {
  if (state.error) return;
  state.error = record ? withOrigin(error, record) : error;
}

export const isLive = (state: PlanState): boolean => state.error === undefined;

export function resultOf(state: PlanState): ExecutionResult {
  const conversationId = state.execution.plan.conversationId;
  return state.error
    ? { conversationId, ok: false, error: state.error, objects: state.objects }
    : { conversationId, ok: true, objects: state.objects, notes: state.notes };
}

/** HubSpot takes every property value as a string. */
export const toHubSpotValue = (value: string | number | boolean): string => String(value);

/** Whether a HubSpot property already holds something worth keeping. */
export const hasValue = (value: unknown): boolean => value !== null && value !== undefined && String(value).trim() !== '';
