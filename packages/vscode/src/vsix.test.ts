import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { openPromise } from 'yauzl';

const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const VSCE = fileURLToPath(new URL('../../../../node_modules/@vscode/vsce/vsce', import.meta.url));

/** The entries of a zip file, each name with its text. */
async function readZip(path: string): Promise<Map<string, string>> {
  const zip = await openPromise(path, { autoClose: false });
  const files = new Map<string, string>();
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue;
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(Buffer.from(chunk as Uint8Array));
      files.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
    }
  } finally {
    zip.close();
  }
  return files;
}

interface Manifest {
  main: string;
  activationEvents: string[];
  contributes: {
    commands: Array<{ command: string }>; viewsContainers: Record<string, Array<{ id: string }>>; views: Record<string, Array<{ id: string; type?: string }>>;
    configuration: { properties: Record<string, unknown> }; menus: Record<string, Array<{ command: string; when?: string }>>;
  };
}

describe('the packaged extension (.vsix)', () => {
  let dir: string;
  let files: Map<string, string>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spark-vsix-'));
    const out = join(dir, 'spark.vsix');
    await promisify(execFile)(process.execPath, [VSCE, 'package', '--no-dependencies', '--out', out], { cwd: PACKAGE_DIR, timeout: 120_000 });
    files = await readZip(out);
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('holds the bundles and nothing of the sources', () => {
    assert.ok(files.has('extension/dist/extension.cjs'));
    assert.ok(files.has('extension/dist/webview/webview.js'));
    assert.ok(files.has('extension/dist/webview/webview.css'));
    assert.deepEqual([...files.keys()].filter((name) => name.includes('/src/') || name.includes('/test/') || name.includes('node_modules')), []);
  });

  it('declares the chat view, the commands and the settings, and no activation at startup', () => {
    const manifest = JSON.parse(files.get('extension/package.json') ?? '{}') as Manifest;
    assert.equal(manifest.main, './dist/extension.cjs');
    assert.deepEqual(manifest.activationEvents.filter((event) => event === '*' || event === 'onStartupFinished'), []);
    assert.ok(Object.values(manifest.contributes.views).flat().some((view) => view.id === 'spark.chat' && view.type === 'webview'));
    const commands = manifest.contributes.commands.map((command) => command.command);
    for (const id of ['spark.editSelection', 'spark.askAboutSelection', 'spark.explainSelection', 'spark.openChat', 'spark.setApiKey', 'spark.acceptEdit', 'spark.rejectEdit', 'spark.acceptHunk', 'spark.rejectHunk', 'spark.undoPatch', 'spark.moveChat']) {
      assert.ok(commands.includes(id), id);
    }
    const settings = Object.keys(manifest.contributes.configuration.properties);
    for (const key of ['spark.serverUrl', 'spark.model', 'spark.deepModel', 'spark.approvalMode', 'spark.patchDiffs']) assert.ok(settings.includes(key), key);
    assert.equal(settings.some((key) => /key|token|secret/i.test(key)), false, 'no credential in settings.json');
  });

  it('puts the chat in the secondary side bar, the lens commands out of the palette, Undo on patch diffs', () => {
    const manifest = JSON.parse(files.get('extension/package.json') ?? '{}') as Manifest;
    assert.deepEqual(manifest.contributes.viewsContainers['secondarySidebar']?.map((container) => container.id), ['spark']);
    const palette = manifest.contributes.menus['commandPalette'] ?? [];
    for (const id of ['spark.acceptHunk', 'spark.rejectHunk']) assert.equal(palette.find((item) => item.command === id)?.when, 'false', id);
    assert.ok((manifest.contributes.menus['editor/title'] ?? []).some((item) => item.command === 'spark.undoPatch' && item.when?.includes('spark.patchDiffActive') === true));
  });

  it('bundles the extension as CommonJS with vscode left to the editor', () => {
    const bundle = files.get('extension/dist/extension.cjs') ?? '';
    assert.match(bundle, /require\("vscode"\)/);
    assert.doesNotMatch(bundle, /^import /m);
  });
});
