/**
 * The interface every CRM adapter implements. A third CRM needs only a folder under src/crm/.
 */
import type { CrmError } from './errors.ts';
import type { CrmName, WritePlan } from './write-plan.ts';

/** A CRM record the connector wrote or matched, as kept in the sync record. */
export interface WrittenObject {
  object: string;
  id: string;
  /** Link for admins, when the CRM has a record page. */
  url?: string;
  /** Notes split into several parts get one id per part, in order. */
  partIds?: string[];
  /** How the record was chosen, when that is worth knowing ("matched the most recently modified of 3 Contacts"). */
  note?: string;
  /** Ids of the records this one is linked to (a Salesforce note's ContentDocumentLinks), so re-syncs add only new links. */
  linkedTo?: string[];
}

export interface PlanExecution {
  plan: WritePlan;
  /** What an earlier sync of the same conversation wrote, so re-syncs update instead of duplicating. */
  previous: Record<string, WrittenObject>;
}

export type ExecutionResult =
  | { conversationId: string; ok: true; objects: Record<string, WrittenObject>; notes: string[] }
  | { conversationId: string; ok: false; error: CrmError; objects: Record<string, WrittenObject> };

/**
 * Forgetting a conversation (privacy requests): what the connector wrote for it, from its sync
 * record. Notes, calls and tasks are deleted; the deal/opportunity keyed on the conversation is
 * deleted, or redacted (connector fields and description cleared) with `deal: 'redact'`; people
 * and companies are kept, with the connector's own fields cleared when they came from this conversation.
 */
export interface ForgetRequest {
  conversationId: string;
  objects: Record<string, WrittenObject>;
  deal: 'delete' | 'redact';
}

export interface ForgottenObject {
  /** The plan record key the object was written for. */
  key: string;
  object: string;
  /** Every CRM id of it (a note split into parts has several). */
  ids: string[];
  /** `missing`: no longer in the CRM (someone deleted it already). */
  action: 'deleted' | 'redacted' | 'kept' | 'missing';
  /** Why, for kept and redacted records ("connector fields name another conversation"). */
  detail?: string;
}

export interface ForgetResult {
  objects: ForgottenObject[];
}

export interface CrmAdapter {
  readonly crm: CrmName;
  /**
   * Executes several plans, batching where the CRM allows. One plan's permanent failure
   * never fails the others; retryable and auth failures are reported per plan too.
   */
  execute(batch: PlanExecution[]): Promise<ExecutionResult[]>;
  /** Creates the connector's own properties/fields once per account, idempotently. */
  ensureSchema(): Promise<void>;
  /** Removes or redacts what the connector wrote for one conversation; idempotent. Absent: the CRM cannot forget yet. */
  forget?(request: ForgetRequest): Promise<ForgetResult>;
}
