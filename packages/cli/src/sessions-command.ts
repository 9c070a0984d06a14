import { defaultSessionDir, listSessions } from '@spark/agent';
import { CliError } from './cli-error.js';

export const SESSIONS_USAGE = `Usage: spark sessions [list]       saved agent sessions, newest first
  (stored in \${SPARK_DATA_DIR:-~/.local/share/spark}/sessions; resume with spark resume <id> "task",
   fork with spark exec --fork <id>[:turn] "task")`;

export async function sessionsCommand(argv: readonly string[]): Promise<void> {
  const [sub = 'list'] = argv;
  if (sub !== 'list') throw new CliError(`unknown sessions command '${sub}'\n\n${SESSIONS_USAGE}`);
  const sessions = await listSessions(defaultSessionDir());
  if (sessions.length === 0) {
    process.stdout.write('no saved sessions\n');
    return;
  }
  for (const s of sessions) {
    process.stdout.write(`${s.id}  ${new Date(s.updated_ms).toISOString().slice(0, 16).replace('T', ' ')}  ${s.model}  ${s.workspace}\n`);
  }
}
