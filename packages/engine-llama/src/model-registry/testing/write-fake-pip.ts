import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** How the fake pip behaves. */
export interface FakePipBehaviour {
  /** `<package>==<version>` -> path of the wheel `download` copies into `-d`. */
  wheels?: Readonly<Record<string, string>>;
  /** Fail every call with this exit code and stderr. */
  fail?: { exitCode: number; stderr: string };
  /** Never exit (to test abort and timeouts). */
  hang?: boolean;
}

/** A stand-in for `python3 -m pip`: a node script that copies prepared wheels and logs its argv. */
export interface FakePip {
  command: string[];
  /** The argv of every call so far. */
  calls(): Promise<string[][]>;
}

const SCRIPT = `
import { appendFileSync, copyFileSync } from 'node:fs';
import { basename, join } from 'node:path';
const config = JSON.parse(CONFIG);
const args = process.argv.slice(2);
appendFileSync(config.log, JSON.stringify(args) + '\\n');
if (config.hang) setInterval(() => {}, 1000);
else if (config.fail) { process.stderr.write(config.fail.stderr); process.exit(config.fail.exitCode); }
else {
  const requirement = args.find((arg) => arg.includes('=='));
  const dest = args[args.indexOf('-d') + 1];
  const wheel = config.wheels[requirement];
  if (wheel === undefined) {
    process.stderr.write('ERROR: Could not find a version that satisfies the requirement ' + requirement + '\\n');
    process.stderr.write('ERROR: No matching distribution found for ' + requirement + '\\n');
    process.exit(1);
  }
  copyFileSync(wheel, join(dest, basename(wheel)));
}
`;

/** Writes the fake pip into `dir` and returns the command that runs it. */
export async function writeFakePip(dir: string, behaviour: FakePipBehaviour): Promise<FakePip> {
  const log = join(dir, 'fake-pip.log');
  const script = join(dir, 'fake-pip.mjs');
  const config = JSON.stringify({ log, wheels: behaviour.wheels ?? {}, fail: behaviour.fail, hang: behaviour.hang === true });
  await writeFile(log, '');
  await writeFile(script, SCRIPT.replace('CONFIG', JSON.stringify(config)));
  return {
    command: [process.execPath, script],
    async calls() {
      const text = await readFile(log, 'utf8');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as string[]);
    },
  };
}

/** The file name pip gives a pure-Python wheel. */
export function wheelFileName(pkg: string, version: string): string {
  return `${pkg.replace(/[-_.]+/g, '_')}-${version}-py3-none-any.whl`;
}
