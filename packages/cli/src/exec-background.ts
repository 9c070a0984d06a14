import type { AgentEvent, AgentHandle, Agent, TurnStatus } from '@spark/agent';

/**
 * `spark exec --background <task>`: the task runs as a background agent (its own worktree, its
 * own lane) instead of a foreground turn; its events print as they come, and its patch is then
 * applied through the agent's apply_patch path (refused, with the hunk named, when the files
 * changed meanwhile). Returns the exit status's turn outcome.
 */
export async function runBackgroundTask(
  agent: Agent, task: string, signal: AbortSignal, print: (event: AgentEvent) => void,
): Promise<TurnStatus> {
  const handle: AgentHandle = agent;
  const iterator = handle.events()[Symbol.asyncIterator]();
  const stop = (): void => { agent.background.stop(undefined, 'Interrupted.').catch(() => undefined); };
  signal.addEventListener('abort', stop, { once: true });
  try {
    const { agent_id: id } = await agent.startBackground(task);
    let status: TurnStatus | undefined;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return 'failed';
      const event = next.value;
      if (!('agent_id' in event) || event.agent_id === id) print(event);
      if (event.type === 'background.stopped' && event.agent_id === id) return 'interrupted';
      if (event.type === 'background.finished' && event.agent_id === id) {
        status = event.status;
        if (event.patch === '') return status;
        // Applied as the foreground would; its `background.applied` ends the run.
        void agent.applyBackground(id, signal).catch(() => undefined);
      }
      if (event.type === 'background.applied' && event.agent_id === id) return event.applied ? (status ?? 'completed') : 'failed';
    }
  } finally {
    signal.removeEventListener('abort', stop);
    await iterator.return?.();
  }
}
