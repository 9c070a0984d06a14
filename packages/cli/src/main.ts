#!/usr/bin/env node
import { appCommand, APP_USAGE } from './app/app-command.js';
import { CliError } from './cli-error.js';
import { engineCommand, ENGINE_USAGE } from './engine-command.js';
import { execCommand, EXEC_USAGE } from './exec-command.js';
import { interactiveCommand, INTERACTIVE_USAGE } from './interactive/interactive-command.js';
import { sessionsCommand, SESSIONS_USAGE } from './sessions-command.js';
import { modelsCommand, MODELS_USAGE } from './models-command.js';
import { serveCommand, SERVE_USAGE } from './serve-command.js';
import { sparkVersion } from './spark-version.js';

const USAGE = `spark: a real-time coding assistant serving the OpenAI Responses API

Commands:
  spark [options]              the interactive coding agent in this directory (a terminal UI)
  spark app [options]          the browser app: engine, server and agent host for this directory
  spark serve [options]        run the Responses API server on the embedded engine (and the app)
  spark models pull|list|rm    manage cached GGUF models
  spark engine build|status    compile the engine for this CPU (faster decoding), or see which it runs
  spark exec "task"            run the coding agent headless (--json for JSONL events)
  spark resume [id|--last] "task"  continue a saved agent session
  spark sessions               list saved agent sessions
  spark --version              print Spark's version

${INTERACTIVE_USAGE}

${APP_USAGE}

${SERVE_USAGE}

${EXEC_USAGE}

${SESSIONS_USAGE}

${MODELS_USAGE}

${ENGINE_USAGE}`;

async function main(argv: readonly string[]): Promise<void> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'serve': await serveCommand(rest, controller.signal); break;
      case 'app': await appCommand(rest, controller.signal); break;
      case 'models': await modelsCommand(rest, controller.signal); break;
      case 'engine': await engineCommand(rest, controller.signal); break;
      case 'exec': await execCommand(rest, controller.signal); break;
      case 'resume': await execCommand(rest, controller.signal, { resume: true }); break;
      case 'sessions': await sessionsCommand(rest); break;
      case 'help': case '--help': case '-h': process.stdout.write(`${USAGE}\n`); break;
      case 'version': case '--version': process.stdout.write(`${sparkVersion()}\n`); break;
      case undefined: await interactiveCommand(rest, controller.signal); break;
      default:
        // `spark --model x` starts the interactive agent with options.
        if (command.startsWith('-')) await interactiveCommand(argv, controller.signal);
        else throw new CliError(`unknown command '${command}'\n\n${USAGE}`);
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof CliError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = error.exitCode;
    return;
  }
  const code = typeof error === 'object' && error !== null && 'code' in error ? ` [${String(error.code)}]` : '';
  process.stderr.write(`spark: ${error instanceof Error ? error.message : String(error)}${code}\n`);
  process.exitCode = 1;
});
