/**
 * `mappings preview --mapping F --conversation C`: the WritePlan a sync would execute, without
 * writing. C is a JSON file (transcript rendered from its turns) or a conversation id fetched from
 * the platform with PLATFORM_API_URL / PLATFORM_API_KEY (transcript from its Markdown export).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ConfigError, loadConfig, type OutboundPolicy } from '../config.ts';
import { OutboundRefusedError } from '../net/outbound-refused.ts';
import { Conversation, parsePlatform, PlatformDataError } from '../platform/schemas.ts';
import { transcriptTurns } from '../transcript/export-turns.ts';
import { renderTranscriptMarkdown } from '../transcript/render-turns.ts';
import type { CommandIo, PreviewCliOptions } from './commands.ts';
import type { TranscriptInput } from './context.ts';
import { evaluateMapping } from './evaluate.ts';
import { loadMappingFile } from './load.ts';
import { formatPlan } from './preview-format.ts';
import { formatProblem } from './problems.ts';

interface Loaded {
  conversation: Conversation;
  transcript: TranscriptInput;
}

export async function runPreview(options: PreviewCliOptions, env: NodeJS.ProcessEnv, io: CommandIo): Promise<number> {
  const mapping = await loadMappingFile(options.mapping);
  if (!mapping.ok) {
    for (const problem of mapping.problems) io.err(formatProblem(problem));
    return 1;
  }
  let input: Loaded;
  try {
    input = looksLikeFile(options.conversation) ? await fromFile(options.conversation) : await fromPlatform(options.conversation, env);
  } catch (error) {
    io.err(`error: ${(error as Error).message}`);
    return 1;
  }
  const plan = evaluateMapping(mapping.mapping, input.conversation, input.transcript, { transcriptUrl: options.transcriptUrl });
  io.out(options.json ? JSON.stringify(plan, null, 2) : formatPlan(plan));
  return 0;
}

const looksLikeFile = (value: string): boolean => existsSync(value) || /\.json$/i.test(value) || value.includes('/');

async function fromFile(file: string): Promise<Loaded> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new Error(`cannot read conversation file ${file}: ${reason}`, { cause: error });
  }
  const conversation = parsePlatform(Conversation, data, `conversation file ${file}`);
  return { conversation, transcript: { markdown: renderTranscriptMarkdown(conversation.transcript) } };
}

async function fromPlatform(id: string, env: NodeJS.ProcessEnv): Promise<Loaded> {
  const baseUrl = env.PLATFORM_API_URL?.trim();
  const apiKey = env.PLATFORM_API_KEY?.trim();
  if (!baseUrl || !apiKey) {
    throw new Error(`to fetch conversation ${id}, set PLATFORM_API_URL and PLATFORM_API_KEY (or pass a conversation JSON file)`);
  }
  const { guardedPlatformClient } = await import('../platform/installation-client.ts');
  const { sharedOutboundGuard } = await import('../net/outbound-guard.ts');
  const client = guardedPlatformClient(sharedOutboundGuard(previewOutboundPolicy(env)), { baseUrl, apiKey });
  try {
    const conversation = await client.getConversation(id);
    // As the sync job does: the export's heading and facts give way to the mapping's own summary.
    const markdown = transcriptTurns(await client.getTranscript(id, 'md'));
    return { conversation, transcript: { markdown } };
  } catch (error) {
    if (error instanceof PlatformDataError || error instanceof OutboundRefusedError) throw error;
    throw new Error(`cannot fetch conversation ${id} from ${baseUrl}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The service's outbound policy when the environment configures one; preview needs only the two
 * platform variables, and without a full configuration the operator's own URL gets the
 * self-hosting policy (private networks allowed), as the service gives it without an OAuth app.
 */
function previewOutboundPolicy(env: NodeJS.ProcessEnv): OutboundPolicy {
  try {
    return loadConfig(env).outbound;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { allowPrivateNetworks: !['false', '0', 'no'].includes(env.ALLOW_PRIVATE_NETWORK_URLS?.trim().toLowerCase() ?? ''), requireHttps: false };
  }
}
