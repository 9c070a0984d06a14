import type { AgentHandle } from '@spark/agent';
import { style } from '../tui/ansi.js';
import type { TuiApp } from './tui-app.js';

export const BACKGROUND_HELP = [
  '/bg <task>  hand the task to a background agent (own worktree; its patch comes back to apply)',
  '/agents  list background agents   /agents open <id>  watch one\'s stream (Esc or /agents close ends it)',
  '/agents stop <id>|all  stop them  /agents apply <id>  apply a finished one\'s patch',
];

/**
 * `/bg` and `/agents`, through the thread's ops, so they work the same on an in-process agent and
 * on a host's thread (`--attach`): what happens next arrives as `background.*` events, which the
 * app prints (started, finished, applied...) and draws (one line per running agent).
 */
export async function backgroundCommand(name: 'bg' | 'agents', args: string, agent: AgentHandle, app: TuiApp): Promise<string[]> {
  if (name === 'bg') {
    if (args === '') return [style.red('/bg takes a task')];
    await agent.submit({ type: 'background', text: args });
    return [];
  }
  const [verb = '', id = ''] = args.split(/\s+/);
  switch (verb) {
    case '': case 'list': return app.backgroundView.list();
    case 'open': return id === '' ? [style.red('/agents open takes an id (/agents lists them)')] : app.watchBackgroundAgent(id);
    case 'close': return app.stopWatchingBackground();
    case 'stop':
      await agent.submit({ type: 'background_stop', ...(id === '' || id === 'all' ? {} : { agent_id: id }) });
      return id === '' || id === 'all' ? [style.dim('stopped every background agent')] : [];
    case 'apply':
      if (id === '') return [style.red('/agents apply takes an id')];
      await agent.submit({ type: 'background_apply', agent_id: id });
      return [];
    default: return [style.red(`unknown: /agents ${verb} (try /help)`)];
  }
}
