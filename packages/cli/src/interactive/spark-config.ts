import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { upstreamsConfigSchema } from '@spark/engine-upstream';
import { z } from 'zod';
import { CliError } from '../cli-error.js';

/** `${XDG_CONFIG_HOME:-~/.config}/spark/config.json`, or `SPARK_CONFIG`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env['SPARK_CONFIG'] ?? join(env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config'), 'spark', 'config.json');
}

const configSchema = z.object({
  /** Model alias, GGUF path, or (with `server`) the server's model id. */
  model: z.string().min(1).optional(),
  /** Dual mode: the model background agents run (e.g. `openai/<model>`); also offers the agent the delegation tools. */
  deepModel: z.string().min(1).optional(),
  /** A Responses endpoint to use instead of the embedded engine. */
  server: z.string().url().optional(),
  apiKey: z.string().min(1).optional(),
  approval: z.enum(['ask', 'auto-in-workspace', 'never-ask']).optional(),
  allowTests: z.boolean().optional(),
  allowNetwork: z.boolean().optional(),
  /** `auto` (default): bubblewrap for auto-in-workspace shell commands where it runs; `off`: never (writes ask). */
  sandbox: z.enum(['auto', 'off']).optional(),
  /** Stop a model that repeats itself (default true). */
  loopGuard: z.boolean().optional(),
  /** Check apply_patch hunks as they stream and stop the first that cannot apply (default true). */
  checkPatchesWhileStreaming: z.boolean().optional(),
  transport: z.enum(['auto', 'websocket', 'http']).optional(),
  /** Context size of the embedded engine. */
  ctx: z.number().int().min(512).optional(),
  /** Upstream providers by name (their models are `<name>/<model>`); see `spark serve --help`. */
  upstreams: upstreamsConfigSchema.optional(),
}).strict();

export type SparkConfig = z.infer<typeof configSchema>;

/** Reads the config file (missing: empty config); a malformed one is a clear error, not a silent default. */
export async function loadConfig(env: NodeJS.ProcessEnv = process.env): Promise<SparkConfig> {
  const path = configPath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return {};
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    throw new CliError(`${path}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** Environment variables over the config file (flags go over both, in the command). */
export function withEnv(config: SparkConfig, env: NodeJS.ProcessEnv = process.env): SparkConfig {
  const approval = env['SPARK_APPROVAL'];
  if (approval !== undefined && approval !== 'ask' && approval !== 'auto-in-workspace' && approval !== 'never-ask') {
    throw new CliError(`SPARK_APPROVAL must be ask, auto-in-workspace or never-ask, got '${approval}'`);
  }
  return {
    ...config,
    ...(env['SPARK_MODEL'] ? { model: env['SPARK_MODEL'] } : {}),
    ...(env['SPARK_SERVER_URL'] ? { server: env['SPARK_SERVER_URL'] } : {}),
    ...(env['SPARK_API_KEY'] ? { apiKey: env['SPARK_API_KEY'] } : {}),
    ...(approval ? { approval } : {}),
  };
}
