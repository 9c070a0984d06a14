import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyCommand } from './classify-command.js';
import type { CommandClass } from './command-table.js';

// [command, expected classes]: the union over every simple command in the line.
const FIXTURES: readonly (readonly [string, readonly CommandClass[]])[] = [
  // reads
  ['ls -la', ['read']],
  ['cat README.md', ['read']],
  ['grep -rn "TODO" src', ['read']],
  ['rg --files', ['read']],
  ['find . -name "*.ts"', ['read']],
  ['git status', ['read']],
  ['git -C packages/agent log --oneline -5', ['read']],
  ['git diff HEAD~1 -- src', ['read']],
  ['head -n 20 a.txt | tail -5 | wc -l', ['read']],
  ['pwd; echo done', ['read']],
  ['echo "npm test"', ['read']],
  ["echo 'rm -rf /'", ['read']],
  ['ls > /dev/null', ['read']],
  ['ls 2>&1 | grep x', ['read']],
  ['npm test &>/dev/null || true', ['read', 'test']],
  ['sed -n 1,20p file.ts', ['read']],
  ['command -v node', ['read']],
  ['git branch', ['read']],
  ['git config --get user.name', ['read']],
  ['cd packages/agent && ls', ['read']],
  ['FOO=1', ['read']],
  ['# just a comment', ['read']],
  // builds
  ['tsc -b', ['build']],
  ['npx tsc --noEmit', ['build']],
  ['make', ['build']],
  ['cargo build --release', ['build']],
  ['go build ./...', ['build']],
  ['npm run build', ['build']],
  ['npm run lint', ['build']],
  ['vite build', ['build']],
  ['yarn build', ['build']],
  ['pnpm --filter @spark/agent typecheck', ['build']],
  // tests
  ['npm test', ['test']],
  ['npm test -- --watch', ['test']],
  ['npm run test:unit', ['test']],
  ['npx vitest run', ['test']],
  ['jest --coverage', ['test']],
  ['FOO=1 pytest -q', ['test']],
  ['python -m pytest tests/', ['test']],
  ['go test ./...', ['test']],
  ['cargo test', ['test']],
  ['mvn -q test', ['test']],
  ['./gradlew clean test', ['test', 'write']],
  ['node --test dist/*.test.js', ['test']],
  ['npx playwright test', ['test']],
  ['make test', ['test']],
  ['yarn vitest', ['test']],
  ['pnpm exec jest', ['test']],
  ['timeout 60 npm test', ['test']],
  ['git diff && npm run test:unit', ['read', 'test']],
  // network
  ['curl -s https://example.com', ['network']],
  ['wget https://example.com/x.tgz', ['network', 'write']],
  ['npm install', ['network', 'write']],
  ['npm ci', ['network', 'write']],
  ['pip install requests', ['network', 'write']],
  ['git fetch origin', ['network']],
  ['git pull --rebase', ['network', 'write']],
  ['git push origin main', ['network']],
  ['ssh host uptime', ['network']],
  ['$(curl x)', ['network', 'unknown']],
  ['echo $(curl -s x)', ['network', 'read']],
  ['echo `wget -qO- x`', ['network', 'read', 'write']],
  // writes
  ['rm -rf dist', ['write']],
  ['mv a b && cp b c', ['write']],
  ['mkdir -p out; touch out/x', ['write']],
  ['sed -i "s/a/b/" file.ts', ['write']],
  ['sed -i.bak s/a/b/ file.ts', ['write']],
  ['echo hi | tee out.txt', ['read', 'write']],
  ['git commit -m "npm test"', ['write']],
  ['git checkout -b feature', ['write']],
  ['git branch -D old', ['read', 'write']],
  ['chmod +x run.sh', ['write']],
  ['cat x | grep y > out.txt', ['read', 'write']],
  ['echo x >> log.txt', ['read', 'write']],
  ['ls 2> errors.log', ['read', 'write']],
  ['find . -name \'*.ts\' -delete', ['read', 'write']],
  ['find . -name "*.tmp" -exec rm {} \\;', ['read', 'write']],
  ['ls | xargs rm', ['read', 'write']],
  ['bash -c "rm -rf build && make"', ['build', 'write']],
  ["sh -lc 'npm test'", ['test']],
  ['sudo rm -rf /tmp/x', ['write']],
  ['env NODE_ENV=test node --test', ['test']],
  ['cat <<EOF > notes.md\nrm -rf /\nEOF', ['read', 'write']],
  ['prettier --write .', ['read', 'write']],
  // unknown
  ['./scripts/deploy.sh', ['unknown']],
  ['node dist/main.js', ['unknown']],
  ['frobnicate --all', ['unknown']],
  ['npm run dev', ['unknown']],
  ['git frobnicate', ['unknown']],
  ['bash script.sh', ['unknown']],
  ['echo "unterminated', ['read', 'unknown']],
];

describe('classifyCommand', () => {
  for (const [command, expected] of FIXTURES) {
    it(`classifies ${JSON.stringify(command)} as ${expected.join('+')}`, () => {
      assert.deepEqual([...classifyCommand(command)].sort(), [...expected].sort());
    });
  }

  it('treats an empty command line as read-only', () => {
    assert.deepEqual([...classifyCommand('')], ['read']);
  });

  it('marks nesting past the limit as unknown instead of recursing without bound', () => {
    const deep = `${'$('.repeat(10_000)}ls${')'.repeat(10_000)}`;
    assert.ok(classifyCommand(deep).has('unknown'));
  });
});
