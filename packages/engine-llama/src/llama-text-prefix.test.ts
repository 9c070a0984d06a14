import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LlamaText, SpecialToken, SpecialTokensText } from 'node-llama-cpp';
import {
  commonLlamaTextPrefix, dropLeadingChars, llamaTextLength, matchLeadingPlainText, stripLlamaTextPrefix, type SplitSpecialText,
} from './llama-text-prefix.js';

const special = (text: string): SpecialTokensText => new SpecialTokensText(text);
const json = (text: LlamaText | undefined): unknown => text?.toJSON();
// A fake tokenizer split: `<|x|>` markers are special tokens (id 1), the rest is regular text.
const split: SplitSpecialText = (value) => value.split(/(<\|[a-z_]+\|>)/).filter((part) => part !== '').map((part) => (part.startsWith('<|') ? 1 : part));

const prompt = LlamaText([new SpecialToken('BOS'), special('<|im_start|>user\n'), 'Hi', special('<|im_end|>\n<|im_start|>assistant\n')]);
const full = LlamaText([prompt, 'Hello!', special('<|im_end|>\n<|im_start|>user\n'), 'More', special('<|im_end|>\n<|im_start|>assistant\n')]);

describe('stripLlamaTextPrefix', () => {
  it('returns what follows a prefix that ends on a value boundary', () => {
    assert.deepEqual(json(stripLlamaTextPrefix(full, prompt)), json(LlamaText(['Hello!', special('<|im_end|>\n<|im_start|>user\n'), 'More', special('<|im_end|>\n<|im_start|>assistant\n')])));
  });

  it('accepts a last value that starts the other text value of the same kind', () => {
    const head = LlamaText([prompt, 'Hel']);
    assert.equal(stripLlamaTextPrefix(full, head)?.values[0], 'lo!');
    const partialSpecial = LlamaText([new SpecialToken('BOS'), special('<|im_start|>')]);
    const rest = stripLlamaTextPrefix(full, partialSpecial);
    assert.ok(rest?.values[0] instanceof SpecialTokensText);
    assert.equal(rest.values[0].value, 'user\n');
  });

  it('refuses a prefix that differs, or differs only in kind', () => {
    assert.equal(stripLlamaTextPrefix(full, LlamaText([new SpecialToken('BOS'), special('<|im_start|>system\n')])), undefined);
    assert.equal(stripLlamaTextPrefix(full, LlamaText([new SpecialToken('BOS'), '<|im_start|>user\n'])), undefined);
    assert.equal(stripLlamaTextPrefix(prompt, full), undefined);
    assert.equal(stripLlamaTextPrefix(full, LlamaText([new SpecialToken('EOS')])), undefined);
  });

  it('strips an equal text to nothing and an empty prefix to the text', () => {
    assert.deepEqual(stripLlamaTextPrefix(full, full)?.values, []);
    assert.deepEqual(json(stripLlamaTextPrefix(full, LlamaText([]))), json(full));
  });
});

describe('commonLlamaTextPrefix', () => {
  it('is the shared start, cut inside the first differing value of the same kind', () => {
    const withTool = LlamaText([prompt, 'Hello!', special('<|im_end|>\n<|im_start|>tool\n')]);
    const common = commonLlamaTextPrefix(full, withTool);
    assert.deepEqual(json(common), json(LlamaText([prompt, 'Hello!', special('<|im_end|>\n<|im_start|>')])));
    assert.ok(stripLlamaTextPrefix(full, common));
    assert.ok(stripLlamaTextPrefix(withTool, common));
  });

  it('stops at values of different kinds', () => {
    assert.deepEqual(json(commonLlamaTextPrefix(LlamaText(['ab', special('c')]), LlamaText(['ab', 'c']))), 'abc'.slice(0, 2));
    assert.deepEqual(commonLlamaTextPrefix(LlamaText([new SpecialToken('BOS')]), LlamaText([new SpecialToken('EOS')])).values, []);
  });

  it('never splits a surrogate pair', () => {
    assert.equal(commonLlamaTextPrefix(LlamaText('a\u{1F600}'), LlamaText('a\u{1F601}')).toString(), 'a');
  });
});

describe('matchLeadingPlainText', () => {
  const after = LlamaText(['||call: f', special('('), '{"a":1}', special(')'), special('<|im_end|>\n')]);

  it('matches plain output across plain and the regular parts of special text', () => {
    assert.equal(matchLeadingPlainText(after, '||call: f({"a":1})', split), '||call: f({"a":1})'.length);
    assert.equal(matchLeadingPlainText(after, '||call: f({"a"', split), '||call: f({"a"'.length);
  });

  it('counts the characters that agree when the texts part', () => {
    assert.equal(matchLeadingPlainText(after, '||call: g(', split), '||call: '.length);
    assert.equal(matchLeadingPlainText(LlamaText('Hello'), 'Help', split), 3);
  });

  it('never matches plain text against a special token', () => {
    const text = LlamaText(['Hi', special('<|im_end|>\n')]);
    assert.equal(matchLeadingPlainText(text, 'Hi<|im_end|>', split), 2);
    assert.equal(matchLeadingPlainText(LlamaText([new SpecialToken('EOS'), 'x']), 'x', split), 0);
  });
});

describe('dropLeadingChars', () => {
  it('drops across values and keeps a cut special text special', () => {
    const text = LlamaText(['ab', special('cd'), 'ef']);
    assert.deepEqual(json(dropLeadingChars(text, 3)), json(LlamaText([special('d'), 'ef'])));
    assert.deepEqual(json(dropLeadingChars(text, 4)), 'ef');
    assert.deepEqual(dropLeadingChars(text, 6).values, []);
    assert.deepEqual(json(dropLeadingChars(text, 0)), json(text));
  });

  it('refuses to cut through a builtin token or past the end', () => {
    assert.throws(() => dropLeadingChars(LlamaText(['a', new SpecialToken('EOS'), 'b']), 2), RangeError);
    assert.throws(() => dropLeadingChars(LlamaText('ab'), 3), RangeError);
  });

  it('agrees with llamaTextLength', () => {
    assert.equal(llamaTextLength(LlamaText(['ab', new SpecialToken('BOS'), special('cd')])), 4);
  });
});
