import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ansiStyle as s, plainStyle } from './ansi.js';
import { MarkdownRenderer } from './markdown-renderer.js';
import { stripAnsi } from './text-width.js';

function render(line: string): string {
  return new MarkdownRenderer({ style: s }).renderLine(line);
}

void describe('MarkdownRenderer: blocks', () => {
  void it('renders headings bold with dim hashes', () => {
    assert.equal(render('## Setup'), `${s.dim('## ')}${s.bold('Setup')}`);
    assert.equal(render('# Title #'), `${s.dim('# ')}${s.bold(s.underline('Title'))}`);
    assert.equal(render('#hashtag'), '#hashtag', 'no space: not a heading');
  });

  void it('renders bullets as •, keeps numbers, indentation and task boxes', () => {
    assert.equal(render('- item'), `${s.dim('•')} item`);
    assert.equal(render('    * nested'), `    ${s.dim('•')} nested`);
    assert.equal(render('12. twelfth'), '12. twelfth');
    assert.equal(render('- [ ] todo'), `${s.dim('•')} ☐ todo`);
    assert.equal(render('- [x] done'), `${s.dim('•')} ${s.green('☑')} done`);
  });

  void it('renders quotes with a dim bar, rules as a line, tables with dim separators', () => {
    assert.equal(render('> quoted **b**'), `${s.dim('│ ')}quoted ${s.bold('b')}`);
    assert.equal(render('> > twice'), `${s.dim('│ ')}${s.dim('│ ')}twice`);
    const md = new MarkdownRenderer({ style: s, width: 10 });
    assert.equal(md.renderLine('---'), s.dim('─'.repeat(10)));
    assert.equal(md.renderLine('* * *'), s.dim('─'.repeat(10)));
    assert.equal(render('|---|:-:|'), s.dim('|---|:-:|'));
    assert.equal(stripAnsi(render('| a | `b` |')), '│ a │ b │');
  });

  void it('dims fence lines and highlights the code inside by language', () => {
    const md = new MarkdownRenderer({ style: s });
    assert.equal(md.renderLine('```ts'), s.dim('```ts'));
    assert.equal(md.inCodeBlock, true);
    assert.equal(md.renderLine('const x = 1; /* a'), `${s.magenta('const')} x = ${s.yellow('1')}; ${s.gray('/* a')}`);
    assert.equal(md.renderLine('**not bold** */'), s.gray('**not bold** */'), 'comment state carried; no markdown in code');
    assert.equal(md.renderLine('```'), s.dim('```'));
    assert.equal(md.inCodeBlock, false);
    assert.equal(md.renderLine('**bold**'), s.bold('bold'));
  });

  void it('closes a fence only with the same marker, at least as long', () => {
    const md = new MarkdownRenderer({ style: s });
    md.renderLine('~~~~');
    assert.equal(md.renderLine('```'), '```', 'a backtick line inside a tilde block is code');
    assert.equal(md.renderLine('~~~'), '~~~', 'a shorter closer is code');
    assert.equal(md.inCodeBlock, true);
    md.renderLine('~~~~~');
    assert.equal(md.inCodeBlock, false);
  });

  void it('previews a partial line without advancing the state, and reset forgets a block', () => {
    const md = new MarkdownRenderer({ style: s });
    assert.equal(md.previewLine('```py'), s.dim('```py'));
    assert.equal(md.inCodeBlock, false);
    md.renderLine('```py');
    assert.equal(md.previewLine('def f'), `${s.magenta('def')} f`);
    md.reset();
    assert.equal(md.inCodeBlock, false);
  });
});

void describe('MarkdownRenderer: inline', () => {
  void it('renders bold, italic, strike and code', () => {
    assert.equal(render('a **b** c'), `a ${s.bold('b')} c`);
    assert.equal(render('*i* and _j_'), `${s.italic('i')} and ${s.italic('j')}`);
    assert.equal(render('***both***'), s.bold(s.italic('both')));
    assert.equal(render('~~old~~'), s.strikethrough('old'));
    assert.equal(render('run `npm test` now'), `run ${s.cyan('npm test')} now`);
    assert.equal(render('``a ` b``'), s.cyan('a ` b'));
    assert.equal(render('*outer **inner** end*'), s.italic(`outer ${s.bold('inner')} end`));
  });

  void it('leaves snake_case, lone stars and unclosed spans alone', () => {
    assert.equal(render('call snake_case_name here'), 'call snake_case_name here');
    assert.equal(render('2 * 3 * 4'), '2 * 3 * 4');
    assert.equal(render('**unclosed'), '**unclosed');
    assert.equal(render('`unclosed'), '`unclosed');
    assert.equal(render('\\*literal\\*'), '*literal*');
  });

  void it('renders links with underlined text and a dim url', () => {
    assert.equal(render('see [docs](https://x.dev/a_b) now'), `see ${s.underline('docs')} ${s.dim('(https://x.dev/a_b)')} now`);
    assert.equal(render('[**b**](u)'), `${s.underline(s.bold('b'))} ${s.dim('(u)')}`);
    assert.equal(render('<https://x.dev>'), s.underline('https://x.dev'));
    assert.equal(render('[not a link] (x)'), '[not a link] (x)');
  });

  void it('renders without escape codes in plain style', () => {
    const md = new MarkdownRenderer({ style: plainStyle });
    assert.equal(md.renderLine('## **Bold** and `code` [l](u)'), '## Bold and code l (u)');
  });

  void it('never throws and stays fast on hostile input', (t) => {
    const md = new MarkdownRenderer({ style: s });
    const alphabet = ['*', '**', '_', '`', '``', '```', '~~', '[', ']', '(', ')', '\\', '#', '>', '- ', '|', 'a', ' ', '<', 'http://x', '\t', '日'];
    let seed = 11;
    const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const started = performance.now();
    for (let i = 0; i < 5000; i++) {
      let line = '';
      for (let k = rand(40); k > 0; k--) line += alphabet[rand(alphabet.length)] ?? '';
      assert.equal(typeof md.renderLine(line), 'string');
    }
    const long = `${'*a '.repeat(3000)}`;
    assert.equal(stripAnsi(md.renderLine(long)), long);
    t.diagnostic(`5000 random lines + one pathological line: ${(performance.now() - started).toFixed(1)} ms`);
  });
});
